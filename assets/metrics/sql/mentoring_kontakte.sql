-- Contacts that count: contacts of counted tandems, dated on or before the Stichtag (parameter 1).
-- zuschussfaehig: the mentor receives the Ehrenamtszuschuss (the spec: "hours of contacts of
-- mentors with Ehrenamtszuschuss = ja"); the contract does not look at the mentor's Eintritt and
-- Austritt, so a contact outside them is paid too and the check kontakt_ausserhalb_engagement
-- shows it to the coordinator (docs/mentoring.md, decision 1).
-- zeile and datei_id name the contact's line in its export for the findings (never a value).
-- kg_je_km is NULL only for a Verkehrsmittel without a configured factor; the Python side refuses
-- such data before any figure is published.
CREATE OR REPLACE TEMP TABLE mentoring_kontakte AS
SELECT
    k.tandem_id,
    t.mentor_id,
    k.datei_id,
    k.zeile,
    k.datum,
    k.dauer_min,
    -- DECIMAL, not DOUBLE: sums of millions of contacts must not depend on the order DuckDB's
    -- parallel aggregation adds them in (a rerun must publish identical tables).
    coalesce(k.kilometer, 0)::DECIMAL(18, 3) AS kilometer,
    k.verkehrsmittel,
    (CASE WHEN coalesce(k.kilometer, 0) = 0 THEN 0.0 ELSE f.kg_je_km END)::DECIMAL(18, 6) AS kg_je_km,
    coalesce(m.ehrenamtszuschuss, false) AS zuschussfaehig
FROM aktuell.kontakte k
JOIN mentoring_tandems t ON t.tandem_id = k.tandem_id
LEFT JOIN aktuell.mentorinnen m ON m.mentor_id = t.mentor_id
LEFT JOIN mentoring_faktoren f ON f.verkehrsmittel = k.verkehrsmittel
WHERE k.datum <= ?
