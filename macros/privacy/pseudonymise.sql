{#- Pseudonymisation at load (secondary-use act 552/2019): a personal identity code enters the vault
    only as HMAC-SHA256 under a secret key held outside the warehouse. A plain hash would not do:
    the code space is small enough to enumerate.

    HMAC(K, m) = H((K xor opad) || H((K xor ipad) || m)). PostgreSQL core has sha256() but no xor on
    bytea, so `virta` derives the two padded keys from the secret and hands them to each session as
    the settings virta.pseudonym_ipad / virta.pseudonym_opad (PGOPTIONS): the key never appears in
    compiled SQL, logs or tables. Without them the load fails with
    'unrecognized configuration parameter "virta.pseudonym_ipad"'. -#}

{% macro hmac_sha256_hex(text_expression) -%}
    encode(sha256(
        decode(current_setting('virta.pseudonym_opad'), 'hex')
        || sha256(decode(current_setting('virta.pseudonym_ipad'), 'hex') || convert_to({{ text_expression }}, 'UTF8'))
    ), 'hex')
{%- endmacro %}

{#- True when the text is a valid henkilötunnus (format, century sign, check character). CASE keeps
    the integer cast away from text that does not match the pattern. -#}
{% macro hetu_is_valid(column) -%}
    coalesce(
        case
            when upper(btrim({{ column }})) ~ '^[0-9]{6}[-+A-FU-Y][0-9]{3}[0-9A-Y]$'
                then substr(
                    '0123456789ABCDEFHJKLMNPRSTUVWXY',
                    ((substr(upper(btrim({{ column }})), 1, 6) || substr(upper(btrim({{ column }})), 8, 3))::bigint % 31)::integer + 1,
                    1
                ) = substr(upper(btrim({{ column }})), 11, 1)
            else false
        end,
        false
    )
{%- endmacro %}

{% macro pseudonymise_hetu(column) -%}
    case when {{ virta.hetu_is_valid(column) }} then {{ virta.hmac_sha256_hex('upper(btrim(' ~ column ~ '))') }} end
{%- endmacro %}

{#- Any text, e.g. an invalid code kept in quarantine: still keyed, never in clear. -#}
{% macro pseudonymise_text(column) -%}
    case when {{ column }} is not null then {{ virta.hmac_sha256_hex(column) }} end
{%- endmacro %}

{#- Birth date and sex as a valid identity code states them (DDMMYY, the century sign: '+' 1800s;
    '-', Y, X, W, V, U 1900s; A-F 2000s; an odd individual number is a man). NULL for an invalid
    code or an impossible date. -#}
{% macro hetu_birth_date(column) -%}
    case when {{ virta.hetu_is_valid(column) }} then {{ virta.try_date(
        "case when substr(upper(btrim(" ~ column ~ ")), 7, 1) = '+' then '18'"
        ~ " when substr(upper(btrim(" ~ column ~ ")), 7, 1) in ('-', 'Y', 'X', 'W', 'V', 'U') then '19'"
        ~ " else '20' end || substr(btrim(" ~ column ~ "), 5, 2) || substr(btrim(" ~ column ~ "), 3, 2)"
        ~ " || substr(btrim(" ~ column ~ "), 1, 2)", "'YYYYMMDD'") }} end
{%- endmacro %}

{% macro hetu_sex(column) -%}
    case when {{ virta.hetu_is_valid(column) }} then
        case when substr(btrim({{ column }}), 8, 3)::integer % 2 = 1 then 'male' else 'female' end
    end
{%- endmacro %}
