"""Deterministic demo inbox: realistic partner exports for N synthetic participants.

:func:`write_demo_inbox` writes an inbox exactly in the layout, file names, encodings and formats
of the binding input contract (docs/datenvertrag.md), including the usual mistakes of real exports, so
that the whole pipeline can be run and shown without real (and confidential) data.

Everything is derived from ``(teilnehmende, seed, datenstand)`` only: the same arguments give
byte-identical files (also the XLSX: fixed document dates, xlsxwriter's fixed zip timestamps).

Files (D = datenstand; the three partners deliver on different days, as they do in reality):

==============================================  ===========================================
``asyl/teilnehmende_D.csv`` (+ an older          UTF-8 with BOM, ``;``, CRLF; ~5 % of the
snapshot dated one month before D)               dates as ``JJJJ-MM-TT``, the rest ``TT.MM.JJJJ``
``asyl/mentorinnen_D.csv``, ``tandems_D.csv``,   as above
``kontakte_D.csv``, ``unternehmen_D.csv``
``jobcenter/massnahmen_<D-2>.csv``,              Windows-1252, ``;``, CRLF
``jobcenter/integrationen_<D-2>.csv``
``vhs/kursteilnahmen_<D-1>.xlsx``                first sheet, header in row 1; dates mixed as
                                                 Excel date cells and ``TT.MM.JJJJ`` text,
                                                 Anwesenheit as number or ``85 %``/``85%`` text
``vhs/kursteilnahmen_<D-1>.csv``                 instead of the XLSX when there are more than
                                                 ``vhs_xlsx_max_rows`` (default 200,000)
                                                 enrolment rows: UTF-8 without BOM, ``;``, LF.
                                                 An XLSX sheet holds at most 1,048,576 rows and
                                                 writing it cell by cell is slow, so large
                                                 installations get the CSV form of the contract.
``asyl/notizen.docx``                            a placeholder of an unknown kind (not a real
                                                 docx): the pipeline must report and ignore it
==============================================  ===========================================

Event dates lie on or before the Datenstand of their file; only planned dates lie after it
(Beginn of a ``geplant`` measure, planned Ende of a running measure or course, Kursbeginn of an
``angemeldet`` enrolment), as in the partners' real exports.

Scale: generation is vectorised with numpy/polars and done in chunks of 50,000 participants
that are appended to the open files, so memory stays bounded (about 0.65 GB peak RSS at any N)
and 1,000,000 participants take well under a minute on two cores. There is no Python loop per
row, except for the XLSX, which is written cell by cell and is therefore capped (table above).
Random streams are seeded per (seed, chunk, component); TN-/M-/T-Nr are global running numbers,
Kundennummern and Hörernummern distinct random numbers drawn once for all chunks, company names
a bijective scramble of a running number, so every ID stays unique across chunks.

Realism of the figures: intake is steady, the Kompetenzfeststellung follows 3 weeks to 5 months
after Eintritt, courses and measures begun in the programme start after a 1-6 month waiting time,
so some active participants are still in Phase 1 on the Stichtag. Planted mentor-side cases (the
mentoring checks' findings, each at least once in the first chunk): a tandem registered weeks
after its first two contacts, a mentor without allowance whose Austritt was entered while her
tandem runs on, a mentor of a single running tandem whose contacts stopped 70-110 days before D.

Injected mistakes (row level, as docs/datenvertrag.md describes bad input): together about 0.4 % of
a file's rows, each type planned for a file at least once (in the first chunk, if it has >= 8
rows), never more than a fifth of a file's rows: ``invalid_date`` (``31.02.2024``), ``unknown_code``
(Geschlecht ``x``, Kontaktart ``Brief``, ...), ``missing_required``, ``duplicate_key`` (a second,
different row with an existing Mentor-Nr/Tandem-Nr), ``exact_duplicate`` (a contact line saved
twice), ``unknown_reference`` (a contact for a Tandem-Nr that does not exist). The summary that
:func:`write_demo_inbox` returns counts them per kind; it never contains names or IDs.

The pipeline quarantines a bad row and every row that refers to it (the tandems of a participant
or mentor, the contacts of a tandem). So that a handful of mistakes does not take a fifth of the
tandems and contacts with it, the victims are the rows with the fewest dependants: participants
and mentors without a tandem (each chunk has a few mentors who joined in the last six weeks and
wait for their first tandem), the tandem with the fewest contacts for a repeated Tandem-Nr, whose
second row is also the one lacking a required value. Only if there are not enough such rows do
mistakes hit rows with dependants, the cheapest first.

Modules: ``inbox`` (:func:`write_demo_inbox`, chunk by chunk), one per partner's files (``asyl``:
Teilnehmende and Unternehmen, ``mentoring``: Mentorinnen, Tandems, Kontakte, ``jobcenter``,
``vhs``), and what they share: ``days`` (day numbers, date text), ``draws`` (random draws, text
columns), ``names`` (people and companies), ``mistakes`` (the injected mistakes), ``writers``
(CSV and XLSX files).
"""

from sources.demo.inbox import write_demo_inbox

__all__ = ["write_demo_inbox"]
