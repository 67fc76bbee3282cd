"""End to end: the warehouse built from monthly deliveries (24 batches) against recomputes from the raw
tables that follow the register version and the cost-centre mapping version valid at each date
(issue 13 #4, #5). Each delivery must add to the past, never restate it."""

import re
import shlex

import pytest

import raw_recompute as rr
from conftest import query_function, run_virta, throwaway_env
from virta.paths import PROJECT_ROOT

pytestmark = pytest.mark.e2e


def readme_steps() -> list[list[str]]:
    """The README's synthetic-data steps, as written: the first bash block of its section."""
    text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Synthetic data"):]
    block = re.search(r"```bash\n(.*?)```", section, flags=re.S).group(1)
    steps = [shlex.split(line.split("#")[0]) for line in block.splitlines() if line.strip()]
    assert all(step[0] == "./virta" for step in steps), steps
    return [step[1:] for step in steps]


@pytest.fixture(scope="module")
def sql(tmp_path_factory):
    """A vault built from another sample first (the case the README's steps went wrong on: the new
    batches, numbered from 1 again, counted as loaded), then the README's steps as written."""
    env = throwaway_env(tmp_path_factory, "virta-monthly")
    try:
        run_virta(["generate", "--scale", "0.001", "--seed", "5"], env)
        run_virta(["dbt", "build", "--select", "+audit_batch_log", "--exclude-resource-type", "test", "unit_test"], env)
        query, close = query_function(env)
        seen = []
        for step in readme_steps():
            run_virta(step, env)
            if step[0] == "dbt":
                seen.append(query("""select count(distinct r.delivered_on), count(distinct r.delivered_on)
                                            filter (where l.batch_id is not null)
                                     from raw._batches r left join audit.audit_batch_log l on l.batch_id = r.batch_id""")[0])
        # the vault took every delivery in after each build: 23 delivery dates, then the 24th
        assert seen == [(23, 23), (24, 24)], seen
        yield query
        close()
    finally:
        run_virta(["db", "stop"], env, check=False)


def test_the_deliveries_are_monthly(sql):
    # 24 delivery dates, each a delivery per source system (a batch each): every system of the mappings
    systems = len(list((PROJECT_ROOT / "concept_model/sources").glob("*.yml")))
    assert sql("select count(distinct delivered_on), count(distinct source_system) from raw._batches") == [
        (24, systems)]
    # a person moved during the period, delivered with the new municipality in a later delivery
    moved = sql("""select count(distinct hetu_pseudonym) from raw.vtj_residents r
                   where exists (select 1 from raw.vtj_residents o
                                 where o.hetu_pseudonym = r.hetu_pseudonym and o._batch_id < r._batch_id
                                   and o.kotikunta <> r.kotikunta)""")
    assert moved[0][0] > 0


def test_residents_at_every_month_end_follow_the_register_version_valid_then(sql):
    """Issue 13 #4: a person who moved is counted where they lived at each month end, not where the
    latest delivery says they live now."""
    published = {(a, m): n for a, m, n in sql("""
        select distinct area_code, month_end, residents_n from disclosure.dsc_specialised_care_waiting_month_end""")}
    assert len({m for _, m in published}) >= 20
    expected = rr.residents_at_month_ends(sql, sorted({m for _, m in published}))
    # a month end where nobody in a county waited has no row in the mart
    assert published == {k: n for k, n in expected.items() if k in published}


def test_costs_per_aura_service_follow_the_mapping_version_valid_on_the_posting_date(sql):
    """Issue 13 #5: a remapped cost centre's costs before the remap stay with its earlier service; no
    cost is 'unmapped' for a cost centre that had a mapping valid on the posting date."""
    rr.assert_costs_by_service_match(sql)


def test_the_magnitude_rule_withholds_a_cost_two_clients_make_up(sql):
    """mart_cost_per_unit_yearly: a service's yearly cost that one or two clients make up is withheld
    (the issue's case: one client's 24-hour housing cost as net_eur / clients_n). On this small sample
    (scale 0.002): the default sample has no service with fewer than three clients a year."""
    on = "p.area_code = c.area_code and p.year = c.year and p.service_code = c.service_code"
    few = sql(f"""select count(*), count(p.net_eur), count(p.eur_per_client)
                  from disclosure.dsc_cost_per_unit_yearly as c join marts.mart_cost_per_unit_yearly as p on {on}
                  where c.clients_n between 1 and 2""")[0]
    assert few[0] > 0 and few[1:] == (0, 0)
    under = sql(f"""select count(p.clients_n) from disclosure.dsc_cost_per_unit_yearly as c
                    join marts.mart_cost_per_unit_yearly as p on {on} where c.clients_n between 1 and 4""")[0][0]
    assert under == 0
    # nor can it be added up from the months or the municipalities of the other cost tables
    months = sql("""select count(a.direct_net_eur), count(a.net_eur) from disclosure.dsc_cost_per_unit_yearly as c
                    join marts.mart_costs_by_aura_monthly as a
                        on a.area_code = c.area_code and extract(year from a.month) = c.year
                           and a.class_code = c.service_code
                    where c.clients_n between 1 and 2""")[0]
    munis = sql("""select count(m.net_eur) from disclosure.dsc_cost_per_unit_yearly as c
                   join marts.mart_costs_by_municipality_yearly as m
                       on m.area_code = c.area_code and m.year = c.year and m.class_code = c.service_code
                   where c.clients_n between 1 and 2""")[0][0]
    assert months == (0, 0) and munis == 0
    # a change from a year before never gives a withheld year away
    changes = sql("""select count(*) from marts.mart_costs_by_aura_monthly as a
                     join marts.mart_costs_by_aura_monthly as b
                         on b.area_code = a.area_code and b.month = cast(a.month - interval '1 year' as date)
                            and b.aura_level = a.aura_level and b.class_code = a.class_code
                            and b.production_mode = a.production_mode
                     where b.is_suppressed and a.net_eur_yoy_change_pct is not null""")[0][0]
    assert changes == 0
