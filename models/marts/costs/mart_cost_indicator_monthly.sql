-- The headline cost indicators as monthly series per county and for all counties together, in the shape
-- every use case's series share: net costs per resident in total and for the largest service
-- activities, after the allocation of shared costs. The input of the cost forecast. Each indicator
-- is defined once, in the registry (var 'indicators'), and read from mart_costs_by_aura_monthly.

{{ indicator_series('costs') }}
