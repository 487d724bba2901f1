-- Tandems that count (docs/mentoring.md, Inputs): the tandems of the snapshot in use whose
-- participant is a participant with consent in the registry in use: Einwilligung given and no
-- Widerruf effective on the day of the run (parameter 1), the rule of assets/metrics/teilnahme_rules.py.
-- Consent is applied at parse time already (a tandem of a person without consent never enters the
-- warehouse); repeating it here keeps the mentoring figures consistent with every other figure
-- even if the two snapshots drift apart or a Widerruf takes effect after the import.
CREATE OR REPLACE TEMP TABLE mentoring_tandems AS
SELECT t.tandem_id, t.mentor_id, t.beginn, t.ende
FROM aktuell.tandems t
WHERE t.tn_id IN (
    SELECT p.tn_id FROM aktuell.teilnehmende p
    WHERE p.einwilligung IS NOT NULL AND (p.widerruf IS NULL OR p.widerruf > ?)
)
