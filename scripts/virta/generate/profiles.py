"""County profiles of the synthetic data: size, source systems and the knobs that make counties differ.

The waiting-time knobs are calibrated so that the raw data reproduces THL's national figures
(shared/domain/calibration_targets.csv): doctor visits within 7 days ~57 %, within 14 days ~71 %;
dentist within 3 months ~85 %. Counties differ around those means.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CountyProfile:
    code: str  # Statistics Finland hyvinvointialue code
    name: str
    population: int  # 2024
    patient_system: str  # which patient record system the county's primary care runs
    municipalities: tuple[tuple[str, float], ...]  # (municipality code, population share)
    age_shift: float  # >0 = older population than Helsinki
    gp_fast_share: float  # share of non-urgent GP visits booked within a week
    gp_slow_mean_days: float  # mean extra wait of the rest, beyond a week
    oral_fast_share: float
    oral_slow_mean_days: float
    queue_growth_per_year: float  # relative growth of the slow tail per year (a trend to forecast)
    # Specialised care (erikoissairaanhoito): mean days from referral to specialist assessment and
    # from queue entry to treatment. THL: 13-17 % of those waiting at month end over 180 days
    # nationally, county extremes 2.7 % to 27.8 % (2023-12-31).
    esh_assessment_mean_days: float = 35.0
    esh_treatment_mean_days: float = 110.0
    # Social care: share of service-need assessments started by the 7th working day, and mean days
    # from decision to a place in 24-hour housing (national mean 56 days, H1/2025).
    sc_assessment_on_time_share: float = 0.88
    sc_housing_mean_days: float = 50.0
    # Net operating costs of social and health care per resident and year (Kainuu 4 408, Uusimaa
    # 3 115 EUR in 2019), and the share of services bought from other producers.
    net_cost_per_resident: float = 3632.0
    purchased_share: float = 0.15
    # Share of non-urgent visits with a recorded need assessment (THL's coverage measure); the rest
    # are booked directly, without a contact or assessment (follow-ups, recalls).
    assessment_coverage: float = 0.88


PROFILES: dict[str, CountyProfile] = {
    "90": CountyProfile(
        code="90", name="Helsinki", population=684_018, patient_system="apotti",
        municipalities=(("091", 1.0),),
        age_shift=0.0, gp_fast_share=0.52, gp_slow_mean_days=17.0,
        oral_fast_share=0.30, oral_slow_mean_days=48.0, queue_growth_per_year=0.10,
        esh_assessment_mean_days=38.0, esh_treatment_mean_days=145.0,
        sc_assessment_on_time_share=0.86, sc_housing_mean_days=58.0,
        net_cost_per_resident=3115.0, purchased_share=0.18, assessment_coverage=0.91,
    ),
    "20": CountyProfile(
        code="20", name="Kainuu", population=69_639, patient_system="lifecare",
        municipalities=(("205", 0.52), ("765", 0.15), ("777", 0.12), ("290", 0.12), ("578", 0.09)),
        age_shift=8.0, gp_fast_share=0.62, gp_slow_mean_days=13.0,
        oral_fast_share=0.35, oral_slow_mean_days=40.0, queue_growth_per_year=0.05,
        esh_assessment_mean_days=30.0, esh_treatment_mean_days=100.0,
        sc_assessment_on_time_share=0.92, sc_housing_mean_days=40.0,
        net_cost_per_resident=4408.0, purchased_share=0.12, assessment_coverage=0.83,
    ),
    # A third county, off by default: a sample with more than two counties (the comparison marts'
    # ranks, and disclosure control whose secondary suppression then has a choice of county).
    "11": CountyProfile(
        code="11", name="Etelä-Karjala", population=125_083, patient_system="lifecare",
        municipalities=(("405", 1.0),),
        age_shift=5.0, gp_fast_share=0.58, gp_slow_mean_days=15.0,
        oral_fast_share=0.33, oral_slow_mean_days=44.0, queue_growth_per_year=0.07,
        esh_assessment_mean_days=33.0, esh_treatment_mean_days=120.0,
        sc_assessment_on_time_share=0.90, sc_housing_mean_days=45.0,
        net_cost_per_resident=3900.0, purchased_share=0.14, assessment_coverage=0.86,
    ),
}

DEFAULT_COUNTIES = ("90", "20")
