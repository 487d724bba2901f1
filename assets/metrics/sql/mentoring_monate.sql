-- One row per Berichtsmonat (temp table berichtsmonate from sources/zeitraum.py) with every
-- figure of kennzahlen.mentoring and kennzahlen.zuschuss_budget except the cumulative values and
-- the forecast. Stocks on the Zähltag, flows from the 1st of the month to the Zähltag.
CREATE OR REPLACE TEMP TABLE mentoring_monate AS
WITH registriert AS (
    SELECT b.monat,
           count(m.mentor_id) AS mentorinnen_registriert,
           count(m.mentor_id) FILTER (WHERE m.ehrenamtszuschuss) AS mentorinnen_mit_zuschuss
    FROM berichtsmonate b
    LEFT JOIN aktuell.mentorinnen m
      ON m.eintritt <= b.zaehltag AND (m.austritt IS NULL OR b.zaehltag <= m.austritt)
    GROUP BY b.monat
), laufend AS (
    SELECT b.monat, count(t.tandem_id) AS tandems_aktiv
    FROM berichtsmonate b
    LEFT JOIN mentoring_tandems t
      ON t.beginn <= b.zaehltag AND (t.ende IS NULL OR b.zaehltag <= t.ende)
    GROUP BY b.monat
), aktiv AS (
    -- Active on the Zähltag (as the spec defines it): at least one of the mentor's tandems runs on it. The
    -- contract does not ask for the registration, so a mentor whose tandem runs on after the
    -- Austritt is active (not a subset of the registered ones in such cases); the check
    -- tandem_nach_austritt_mentorin shows the tandem to the coordinator (docs/mentoring.md, decision 4).
    SELECT b.monat,
           count(DISTINCT p.mentor_id) AS mentorinnen_aktiv,
           count(DISTINCT p.mentor_id) FILTER (WHERE p.ehrenamtszuschuss) AS mentorinnen_mit_zuschuss_aktiv
    -- One row per tandem period, the months joined last (a range join months x tandems).
    FROM (
        SELECT DISTINCT t.mentor_id, coalesce(m.ehrenamtszuschuss, false) AS ehrenamtszuschuss,
               t.beginn AS von, coalesce(t.ende, DATE '9999-12-31') AS bis
        FROM mentoring_tandems t
        LEFT JOIN aktuell.mentorinnen m ON m.mentor_id = t.mentor_id
        WHERE t.beginn IS NOT NULL
    ) p
    JOIN berichtsmonate b ON p.von <= b.zaehltag AND b.zaehltag <= p.bis
    GROUP BY b.monat
), fluss AS (
    SELECT b.monat,
           count(k.datum) AS kontakte,
           coalesce(sum(k.dauer_min), 0) AS minuten,
           coalesce(sum(k.kilometer), 0) AS kilometer,
           coalesce(sum(k.kilometer * k.kg_je_km), 0) AS co2_kg,
           coalesce(sum(k.dauer_min) FILTER (WHERE k.zuschussfaehig), 0) AS zuschuss_minuten,
           count(DISTINCT k.mentor_id) FILTER (WHERE k.zuschussfaehig) AS mentorinnen_abgerechnet
    FROM berichtsmonate b
    -- monat is the 1st of its month: an equi-join on the contact's month, then up to the Zähltag
    -- (same rows as BETWEEN monat AND zaehltag, as a hash join instead of a range join)
    LEFT JOIN mentoring_kontakte k ON date_trunc('month', k.datum)::DATE = b.monat AND k.datum <= b.zaehltag
    GROUP BY b.monat
)
SELECT
    b.monat,
    b.zaehltag,
    b.zaehltag = last_day(b.monat) AS monat_vollstaendig,
    r.mentorinnen_registriert::BIGINT AS mentorinnen_registriert,
    coalesce(a.mentorinnen_aktiv, 0)::BIGINT AS mentorinnen_aktiv,
    l.tandems_aktiv::BIGINT AS tandems_aktiv,
    f.kontakte::BIGINT AS kontakte,
    f.minuten::BIGINT AS minuten,
    f.kilometer AS kilometer,  -- DECIMAL until published: exact, order-independent sums
    f.co2_kg AS co2_kg,
    f.zuschuss_minuten::BIGINT AS zuschuss_minuten,
    r.mentorinnen_mit_zuschuss::BIGINT AS mentorinnen_mit_zuschuss,
    coalesce(a.mentorinnen_mit_zuschuss_aktiv, 0)::BIGINT AS mentorinnen_mit_zuschuss_aktiv,
    f.mentorinnen_abgerechnet::BIGINT AS mentorinnen_abgerechnet
FROM berichtsmonate b
JOIN registriert r USING (monat)
JOIN laufend l USING (monat)
JOIN fluss f USING (monat)
LEFT JOIN aktiv a USING (monat)
ORDER BY b.monat
