{#- The service packages (Sote-tietopaketti) of the AURA-style classification with their names, one
    row each: the packages the service-user cells name. -#}
{% macro service_packages() -%}
    select distinct
        package_code,
        package_name_fi,
        package_name_en
    from {{ ref('ref_aura_service_classes') }}
{%- endmacro %}
