-- Rule kontakt_ausserhalb_tandem: contacts dated before the Beginn or after the Ende of their
-- tandem, with their position in the export (partner, file in use, line; never a value).
SELECT k.tandem_id, d.quelle, d.datei, k.zeile, k.datum < t.beginn AS vorher
FROM mentoring_kontakte k
JOIN mentoring_tandems t USING (tandem_id)
LEFT JOIN meta.dateien d ON d.datei_id = k.datei_id
WHERE k.datum < t.beginn OR (t.ende IS NOT NULL AND k.datum > t.ende)
ORDER BY d.datei, k.zeile
