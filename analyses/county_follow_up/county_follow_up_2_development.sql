-- Järjestämislaki § 29, kehitys: service users per 1 000 residents per package, area and year, with
-- the change from the year before (complete years, and the year the data covers in part marked).
select
    u.area_code,
    u.area_name_en,
    u.package_code,
    u.package_name_en,
    u.year,
    u.is_complete_period,
    u.users_n,
    u.users_per_1000,
    u.users_per_1000 - p.users_per_1000 as change_from_year_before
from marts.mart_service_users_yearly as u
left join marts.mart_service_users_yearly as p
    on u.area_code = p.area_code and u.package_code = p.package_code and p.year = u.year - 1
where u.users_per_1000 is not null
order by u.package_code, u.area_code, u.year;
