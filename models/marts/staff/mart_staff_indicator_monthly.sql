-- The headline staff indicators as monthly series per county and for all counties together, in the
-- shape every use case's series share: the realised staffing ratio of 24-hour care and the share of
-- unit-weeks at or above the legal minimum. The input of the staff forecast. Each indicator is
-- defined once, in the registry (var 'indicators'), and read from mart_staffing_ratio_weekly (its
-- whole weeks, by the month the week starts in).

{{ indicator_series('staff') }}
