-- The areas every published mart reports on (area_code): the whole country (FI, the area of the
-- published national figures), the total of the counties in this warehouse ('all'), the counties and
-- the municipalities with their names in Finnish, Swedish and English, level and the area above, for BI
-- tools to label and group by (join on area_code).

select
    area_code,
    area_level,
    parent_area_code,
    area_name_fi,
    area_name_sv,
    area_name_en,
    population,
    population_year,
    counties_n,
    is_whole_country,
    valid_from,
    valid_to
from {{ ref('bv_area') }}
