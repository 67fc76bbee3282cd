-- The headline access-to-care indicators as one monthly series per indicator and area (a county or
-- all counties together): the input of the trend and forecast mart, and a long table BI tools can pivot.
-- Each indicator is defined once, in the registry (var 'indicators'), and read from its detail mart.

{{ indicator_series('access_to_care') }}
