-- Rule tandem_nach_austritt_mentorin: tandems still running on a day after their mentor's
-- Austritt, up to the Stichtag (parameter 1), with the tandem's position in its export.
SELECT t.tandem_id, d.quelle, d.datei, s.zeile
FROM mentoring_tandems t
JOIN aktuell.mentorinnen m USING (mentor_id)
JOIN aktuell.tandems s ON s.tandem_id = t.tandem_id
LEFT JOIN meta.dateien d ON d.datei_id = s.datei_id
WHERE m.austritt IS NOT NULL AND m.austritt < $1
  AND greatest(t.beginn, m.austritt + 1) <= least(coalesce(t.ende, $1), $1)
ORDER BY d.datei, s.zeile
