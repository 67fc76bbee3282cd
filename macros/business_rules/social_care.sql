{#- The group the social-care deadlines cover (SHL § 36, LSL § 26): child-welfare clients are children
    needing special support; others are covered when aged 75+ or on the highest care allowance. An
    unknown age does not make a client 'not covered': it stays 'age_unknown'. -#}
{% macro social_care_legal_group(case_group, age, special_ground) -%}
    case
        when {{ case_group }} = 'child_welfare' then 'child_special_support'
        when {{ age }} >= 75 then 'aged_75_plus'
        when {{ special_ground }} = 'highest_care_allowance' then 'highest_care_allowance'
        when {{ age }} is null then 'age_unknown'
        else 'not_covered'
    end
{%- endmacro %}

{#- The customer segments a social-care client is in, comma-delimited, for matching the segment of
    ref_legal_deadline_rules (see bv_deadline_status). -#}
{% macro social_care_segments(case_group, special_ground) -%}
    concat_ws(
        ',',
        case when {{ case_group }} = 'older_people' then 'older_people' end,
        case when {{ special_ground }} = 'highest_care_allowance' then 'highest_care_allowance' end,
        case when {{ case_group }} = 'child_welfare' then 'children_youth,child_special_support' end
    )
{%- endmacro %}
