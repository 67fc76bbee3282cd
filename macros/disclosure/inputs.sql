{#- The cells models of the published marts: the inputs of disclosure_cells and disclosure_equations
    (each mart's meta.disclosure names its own; test_disclosure checks that every one is listed). -#}
{% macro disclosure_inputs() -%}
    {{ return([
        ref('dsc_primary_care_waits_monthly'),
        ref('dsc_primary_care_assessment_coverage_monthly'),
        ref('dsc_primary_care_assessment_timeliness_monthly'),
        ref('dsc_specialised_care_referral_processing_monthly'),
        ref('dsc_specialised_care_waiting_month_end'),
        ref('dsc_child_welfare_investigations_period'),
        ref('dsc_social_assessment_timeliness_monthly'),
        ref('dsc_social_deadlines_monthly'),
        ref('dsc_social_service_decisions_monthly'),
        ref('dsc_social_service_starts_monthly'),
        ref('dsc_social_service_waiting_current'),
        ref('dsc_social_service_waits_half_year'),
        ref('dsc_cost_per_unit_yearly'),
        ref('dsc_costs_by_aura_monthly'),
        ref('dsc_costs_by_municipality_yearly'),
        ref('dsc_cost_per_client_by_municipality_yearly'),
        ref('dsc_budget_vs_actual_yearly'),
        ref('dsc_joint_social_health_clients_yearly'),
        ref('dsc_older_people_at_home_yearly'),
        ref('dsc_population_structure_yearly'),
        ref('dsc_service_users_yearly'),
        ref('dsc_service_users_by_age_yearly'),
        ref('dsc_wait_equality_yearly'),
        ref('dsc_staffing_ratio_weekly'),
        ref('dsc_staff_resources_yearly'),
        ref('dsc_segment_services_yearly'),
        ref('dsc_segment_deadlines_yearly'),
    ]) }}
{%- endmacro %}
