-- Rule mentorin_ohne_kontakt: mentors of tandems running on the Stichtag (parameter 1) without any
-- contact after the Grenze (parameter 2: Stichtag - inaktiv_tage). A mentor whose running tandems
-- all began after the Grenze is not flagged yet (grace period).
WITH laufend AS (
    SELECT mentor_id, min(beginn) AS erster_beginn FROM mentoring_tandems
    WHERE beginn <= $1 AND (ende IS NULL OR $1 <= ende) GROUP BY mentor_id
), letzter AS (
    SELECT mentor_id, max(datum) AS letzter_kontakt FROM mentoring_kontakte GROUP BY mentor_id
)
SELECT l.mentor_id, d.quelle, d.datei, m.zeile
FROM laufend l
LEFT JOIN letzter k USING (mentor_id)
LEFT JOIN aktuell.mentorinnen m ON m.mentor_id = l.mentor_id
LEFT JOIN meta.dateien d ON d.datei_id = m.datei_id
WHERE l.erster_beginn <= $2 AND (k.letzter_kontakt IS NULL OR k.letzter_kontakt <= $2)
ORDER BY d.datei, m.zeile, l.mentor_id
