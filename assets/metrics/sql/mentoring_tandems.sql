-- Tandems that count (kennzahlen.md, Mentoring): the tandems of the snapshot in use whose
-- participant is a participant of the registry in use. Consent is applied at parse time already
-- (a tandem of a person without consent never enters the warehouse); the semi-join keeps the
-- mentoring figures consistent with every other figure even if the two snapshots drift apart.
CREATE OR REPLACE TEMP TABLE mentoring_tandems AS
SELECT t.tandem_id, t.mentor_id, t.beginn, t.ende
FROM aktuell.tandems t
WHERE t.tn_id IN (SELECT p.tn_id FROM aktuell.teilnehmende p)
