-- The allowance figures of each Berichtsmonat for kennzahlen.zuschuss_budget (assets/metrics/budget.py),
-- in calendar order, with the allowance minutes since programme start up to the month.
SELECT monat, zaehltag, monat_vollstaendig, mentorinnen_mit_zuschuss, mentorinnen_mit_zuschuss_aktiv,
       mentorinnen_abgerechnet, zuschuss_minuten,
       sum(zuschuss_minuten) OVER (ORDER BY monat ROWS UNBOUNDED PRECEDING) AS minuten_kumuliert
FROM mentoring_monate ORDER BY monat
