{#- The group the social-care deadlines cover (SHL § 36, LSL § 26): child-welfare clients are children
    needing special support; others are covered when of the age the older people's assessment rule
    sets (75 and over; rule_age) or on the highest care allowance. An unknown age does not make a
    client 'not covered': it stays 'age_unknown'. -#}
{% macro social_care_legal_group(case_group, age, special_ground) -%}
    case
        when {{ case_group }} = 'child_welfare' then 'child_special_support'
        -- vammaispalvelulaki: every disability-services application, whatever the age
        when {{ case_group }} = 'disability' then 'disabled'
        when {{ age }} >= {{ rule_age('service_need_assessment', 'older_people') }} then 'aged_75_plus'
        when {{ special_ground }} = 'highest_care_allowance' then 'highest_care_allowance'
        when {{ age }} is null then 'age_unknown'
        else 'not_covered'
    end
{%- endmacro %}

{#- The customer segments a social-care client is in, comma-delimited, for matching the segment of
    ref_legal_deadline_rules (see bv_deadline_due): those ref_customer_segments assigns to the
    case group, and the segment a special ground (the highest care allowance) names. -#}
{% macro social_care_segments(case_group, special_ground) -%}
    coalesce((
        select string_agg(cs.segment_code, ',' order by cs.segment_code)
        from {{ ref('ref_customer_segments') }} as cs
        where cs.case_group = {{ case_group }} or cs.segment_code = {{ special_ground }}
    ), '')
{%- endmacro %}

{#- The age bound (age_min, else age_max) of the rules of ref_legal_deadline_rules for `service` and
    `segment` (any segment when none), as a scalar subquery: legal ages are read from the rules, not
    written again in SQL. -#}
{% macro rule_age(service, segment=none, bound='age_min') -%}
    (
        select {{ 'min' if bound == 'age_min' else 'max' }}(lr.{{ bound }})
        from {{ ref('ref_legal_deadline_rules') }} as lr
        where lr.service = '{{ service }}'{% if segment %} and lr.segment = '{{ segment }}'{% endif %}
    )
{%- endmacro %}
