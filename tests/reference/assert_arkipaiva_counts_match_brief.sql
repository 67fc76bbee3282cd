-- Mon-Fri arkipäivät per year as given in the domain brief: 2023 = 251, 2024 = 252, 2025 = 251,
-- 2026 = 252. Returns the years where bv_calendar disagrees.

with expected as (
    select
        v.calendar_year,
        v.arkipaivat
    from (values (2023, 251), (2024, 252), (2025, 251), (2026, 252)) as v (calendar_year, arkipaivat)
),

actual as (
    select
        calendar_year,
        count(*) filter (where is_arkipaiva) as arkipaivat
    from {{ ref('bv_calendar') }}
    group by calendar_year
)

select
    e.calendar_year,
    e.arkipaivat as expected,
    a.arkipaivat as actual
from expected as e
left join actual as a on e.calendar_year = a.calendar_year
where a.arkipaivat is distinct from e.arkipaivat
