-- The mentor and tandem stocks on the Stichtag (parameter 1): registered, active, registered with
-- Ehrenamtszuschuss, registered and trained, running tandems.
SELECT
    (SELECT count(*) FROM aktuell.mentorinnen m
      WHERE m.eintritt <= $1 AND (m.austritt IS NULL OR $1 <= m.austritt)),
    -- active (docs/mentoring.md, decision 4): a tandem runs on the Stichtag; registration is not asked
    (SELECT count(DISTINCT t.mentor_id) FROM mentoring_tandems t
      WHERE t.beginn <= $1 AND (t.ende IS NULL OR $1 <= t.ende)),
    (SELECT count(*) FROM aktuell.mentorinnen m
      WHERE m.eintritt <= $1 AND (m.austritt IS NULL OR $1 <= m.austritt) AND m.ehrenamtszuschuss),
    (SELECT count(*) FROM aktuell.mentorinnen m
      WHERE m.eintritt <= $1 AND (m.austritt IS NULL OR $1 <= m.austritt) AND m.schulung <= $1),
    (SELECT count(*) FROM mentoring_tandems t
      WHERE t.beginn <= $1 AND (t.ende IS NULL OR $1 <= t.ende))
