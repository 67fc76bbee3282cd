{#- The four levels of the AURA-style service classification (ref_aura_service_classes), from the
    broadest: activity (toiminto), package (Sote-tietopaketti), service group, service. Marts that
    report costs "at each level" loop over these. -#}
{% macro aura_levels() -%}
    {{ return([
        {'level': 'activity', 'code': 'activity_code'},
        {'level': 'package', 'code': 'package_code'},
        {'level': 'service_group', 'code': 'service_group_code'},
        {'level': 'service', 'code': 'service_code'},
    ]) }}
{%- endmacro %}
