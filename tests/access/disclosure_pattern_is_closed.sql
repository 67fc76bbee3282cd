-- The suppression pattern reached its fixed point: no hierarchy's equation has exactly one
-- withheld member (it could be recovered as the total minus the other parts) or withheld counts
-- bounded below the threshold by their sum, no period is
-- published with a month withheld, and no cell whose population is withheld is published.
-- Fails when var('disclosure_passes') were too few.
with members as (
    select
        e.equation_id,
        e.kind,
        e.is_total,
        p.is_withheld,
        p.is_count,
        p.is_population,
        p.value
    from {{ ref('disclosure_equations') }} as e
    inner join {{ ref('disclosure_pattern') }} as p on e.cell_id = p.cell_id
)

select
    'equation with one withheld member' as problem,
    equation_id as id
from members
where kind = 'hierarchy'
group by equation_id
having
    count(*) > 1
    and (
        count(*) filter (where is_withheld) = 1
        or (
            count(*) filter (where is_withheld) > 1 and bool_and(is_count)
            and bool_or(is_total and not is_withheld)
            and sum(value - case when is_population then 1 else 0 end) filter (where is_withheld)
            < {{ var('small_cell_threshold') }} - 1
        )
    )
union all
select
    'period published with a month withheld' as problem,
    equation_id as id
from members
where kind = 'link'
group by equation_id
having bool_or(is_withheld and not is_total) and bool_or(is_total and not is_withheld)
union all
select
    'published with its population withheld' as problem,
    c.cell_id as id
from {{ ref('disclosure_pattern') }} as c
inner join {{ ref('disclosure_pattern') }} as pop on c.population_cell_id = pop.cell_id
where pop.is_withheld and not c.is_withheld
