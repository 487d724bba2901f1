-- Rule kontakt_ausserhalb_engagement: contacts dated before the mentor's Eintritt or after the
-- Austritt. They count and, for mentors with allowance, are paid (the contract asks only for
-- Ehrenamtszuschuss = ja; docs/mentoring.md, decision 1).
SELECT k.mentor_id, d.quelle, d.datei, k.zeile, k.datum < m.eintritt AS vorher, k.zuschussfaehig
FROM mentoring_kontakte k
JOIN aktuell.mentorinnen m USING (mentor_id)
LEFT JOIN meta.dateien d ON d.datei_id = k.datei_id
WHERE k.datum < m.eintritt OR (m.austritt IS NOT NULL AND k.datum > m.austritt)
ORDER BY d.datei, k.zeile
