"""End to end: the warehouse built from monthly deliveries (24 batches) against recomputes from the raw
tables that follow the register version and the cost-centre mapping version valid at each date
(issue 13 #4, #5). Each delivery must add to the past, never restate it."""

import pytest

import raw_recompute as rr
from conftest import query_function, run_virta, throwaway_env

pytestmark = pytest.mark.e2e

GEN = ["generate", "--scale", "0.002", "--batches", "24"]


@pytest.fixture(scope="module")
def sql(tmp_path_factory):
    env = throwaway_env(tmp_path_factory, "virta-monthly")
    try:
        run_virta(GEN, env)
        run_virta(["dbt", "build"], env)
        query, close = query_function(env)
        yield query
        close()
    finally:
        run_virta(["db", "stop"], env, check=False)


def test_the_deliveries_are_monthly(sql):
    # 24 delivery dates, each a delivery per source system (a batch each)
    assert sql("select count(distinct delivered_on), count(distinct source_system) from raw._batches") == [(24, 6)]
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
