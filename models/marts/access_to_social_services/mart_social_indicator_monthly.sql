-- The headline access-to-social-services indicators as one monthly series per indicator and area
-- (a county or all counties together), in the same shape as the access-to-care series: the input of the
-- trend and forecast mart. Each indicator is defined once, in the registry (var 'indicators'), and
-- read from its detail mart; deadline shares only for months whose clocks are all due.

{{ indicator_series('access_to_social_services') }}
