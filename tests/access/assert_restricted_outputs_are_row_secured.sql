-- depends_on: {{ ref('rst_access_queue_current') }}
-- Every relation of the restricted schema is a table with forced row-level security and exactly one
-- policy, steward_county (select only), and only the stewards' roles and dbt's own can read it. A
-- change to the dbt project that widened access (a view, a disabled or extra policy, a grant) fails
-- the build here. Fails with the relation and what is wrong with it.

with relations as (
    select
        c.oid,
        c.relname,
        c.relkind,
        c.relrowsecurity,
        c.relforcerowsecurity,
        c.relacl
    from pg_class as c
    inner join pg_namespace as n on c.relnamespace = n.oid
    where
        n.nspname = '{{ generate_schema_name("restricted", none) }}'
        and c.relkind in ('r', 'p', 'v', 'm', 'f')
),

policies as (
    select
        polrelid,
        count(*) as policies_n,
        bool_and(polname = 'steward_county' and polcmd = 'r' and polpermissive) as is_steward_policy
    from pg_policy
    group by polrelid
),

readers as (
    select
        r.relname,
        coalesce(g.rolname, 'PUBLIC') as grantee
    from relations as r
    cross join lateral aclexplode(r.relacl) as a
    left join pg_roles as g on a.grantee = g.oid
)

select
    r.relname,
    'not a table with forced row-level security and its one steward policy' as problem
from relations as r
left join policies as p on r.oid = p.polrelid
where
    r.relkind != 'r'
    or not r.relrowsecurity
    or not r.relforcerowsecurity
    or coalesce(p.policies_n, 0) != 1
    or not p.is_steward_policy

union all

select
    relname,
    'readable by ' || grantee as problem
from readers
where grantee not in ('virta_transformer', 'virta_steward', 'virta_county_steward')
