// `parceldesk calendar due` as CONTRACT.md names it: the deadline printed as
// RFC 3339 in China time, agreeing with the hand-worked cases of
// docs/calendar.md (and tests/unit/core_calendar_test.c); bad arguments exit 2
// naming the flag; a year outside the shipped calendars exits 1 with the
// reason. The command needs no database and no data directory, so these tests
// start no server; they run it from the repository and from elsewhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, ROOT } from '../lib/harness.mjs';

function due(args, cwd = ROOT) {
  const r = spawnSync(BIN, ['calendar', 'due', ...args], { cwd, encoding: 'utf8', timeout: 30000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const show = (r) => `exit ${r.status}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;

function ok(args, want, cwd) {
  const r = due(args, cwd);
  assert.equal(r.status, 0, show(r));
  assert.equal(r.stdout, `${want}\n`, `${args.join(' ')}\n${show(r)}`);
  assert.equal(r.stderr, '', show(r));
}

test('the contract example and the hand-worked cases', () => {
  // Fri 13 Feb 2026: Sat 14 is a make-up working day, 15-23 Feb the holiday.
  ok(['--from', '2026-02-13T10:00:00+08:00', '--working-days', '1'], '2026-02-14T23:59:59+08:00');
  ok(['--from', '2026-02-13T10:00:00+08:00', '--working-days', '2'], '2026-02-24T23:59:59+08:00');
  ok(['--from', '2026-02-13T10:00:00+08:00', '--working-days', '2', '--region', 'CN'], '2026-02-24T23:59:59+08:00');
  // 2025 (国办发明电〔2024〕12号): Fri 24 Jan -> Sun 26 Jan make-up; 3rd = Wed 5 Feb.
  ok(['--from', '2025-01-24T16:00:00+08:00', '--working-days', '1'], '2025-01-26T23:59:59+08:00');
  ok(['--from', '2025-01-24T16:00:00+08:00', '--working-days', '3'], '2025-02-05T23:59:59+08:00');
  // October 2025: Fri 26 Sep -> 4th working day is Thu 9 Oct, the 6th Sat 11 Oct (make-up).
  ok(['--from', '2025-09-26T10:00:00+08:00', '--working-days', '4'], '2025-10-09T23:59:59+08:00');
  ok(['--from', '2025-09-26T10:00:00+08:00', '--working-days', '6'], '2025-10-11T23:59:59+08:00');
  // Calendar days, hours, months (clamped), by the 3rd across a year end.
  ok(['--from', '2026-02-13T10:00:00+08:00', '--calendar-days', '7'], '2026-02-20T23:59:59+08:00');
  ok(['--from', '2026-02-13T10:00:00+08:00', '--hours', '24'], '2026-02-14T10:00:00+08:00');
  ok(['--from', '2025-01-31T10:00:00+08:00', '--months', '1'], '2025-02-28T23:59:59+08:00');
  ok(['--from', '2025-12-15T10:00:00+08:00', '--by-day', '3'], '2026-01-03T23:59:59+08:00');
});

test('the event counts on its China date, not its UTC date', () => {
  // 2026-09-30T17:00:00Z is 1 Oct 01:00 in China: day 0 = 1 Oct.
  ok(['--from', '2026-09-30T17:00:00Z', '--calendar-days', '1'], '2026-10-02T23:59:59+08:00');
  // 2026-02-13T17:00:00Z is Sat 14 Feb 01:00 in China (the make-up day is day 0).
  ok(['--from', '2026-02-13T17:00:00Z', '--working-days', '1'], '2026-02-24T23:59:59+08:00');
});

test('node settings: Saturdays, an 18:00 end of day, another UTC offset, pauses, rules', () => {
  ok(['--from', '2026-03-06T10:00:00+08:00', '--working-days', '1'], '2026-03-09T23:59:59+08:00');
  ok(['--from', '2026-03-06T10:00:00+08:00', '--working-days', '1', '--workdays', 'mon-sat'], '2026-03-07T23:59:59+08:00');
  ok(['--from', '2026-03-09T19:00:00+08:00', '--working-days', '1', '--day-end', '18:00'], '2026-03-10T17:59:59+08:00');
  ok(['--from', '2026-02-13T17:00:00Z', '--working-days', '1', '--utc-offset', '+06:00'], '2026-02-14T23:59:59+06:00');
  // The pause over the Spring Festival covered 48 h of working time: two more working days.
  ok(['--from', '2026-02-12T09:00:00+08:00', '--working-days', '2',
    '--pause', '2026-02-13T12:00:00+08:00/2026-02-24T12:00:00+08:00'], '2026-02-25T23:59:59+08:00');
  ok(['--from', '2026-02-13T10:00:00+08:00', '--rule', 'apology_letter'], '2026-02-14T23:59:59+08:00');
  ok(['--from', '2026-02-13T10:00:00+08:00', '--rule', 'regulatory_reply'], '2026-02-20T23:59:59+08:00');
  // The regulatory clock does not pause, so a pause changes nothing there.
  ok(['--from', '2026-02-13T10:00:00+08:00', '--rule', 'regulatory_reply',
    '--pause', '2026-02-14T10:00:00+08:00/2026-02-16T10:00:00+08:00'], '2026-02-20T23:59:59+08:00');
});

test('the shipped calendars are in the binary: it works from any directory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pd-cal-'));
  try {
    ok(['--from', '2026-02-13T10:00:00+08:00', '--working-days', '2'], '2026-02-24T23:59:59+08:00', dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a year outside the shipped calendars exits 1 with the reason', () => {
  for (const [args, year] of [
    [['--from', '2024-01-31T10:00:00+08:00', '--months', '1'], '2024'],
    [['--from', '2027-12-24T10:00:00+08:00', '--working-days', '6'], '2028'],
    [['--from', '2027-12-15T10:00:00+08:00', '--by-day', '3'], '2028'],
  ]) {
    const r = due(args);
    assert.equal(r.status, 1, show(r));
    assert.equal(r.stdout, '', show(r));
    assert.match(r.stderr, /calendar\.year_unknown/, show(r));
    assert.match(r.stderr, new RegExp(`\\b${year}\\b`), show(r));
  }
  // 5 working days from Fri 24 Dec 2027 stay in 2027 (shipped, provisional) and are answered.
  const r = due(['--from', '2027-12-24T10:00:00+08:00', '--working-days', '5']);
  assert.equal(r.status, 0, show(r));
  assert.equal(r.stdout.trim(), '2027-12-31T23:59:59+08:00');
  ok(['--from', '2026-12-25T10:00:00+08:00', '--working-days', '4'], '2026-12-31T23:59:59+08:00');
});

test('bad arguments exit 2 naming the flag', () => {
  const cases = [
    [['--working-days', '1'], /--from/],
    [['--from', '2026-02-13 10:00', '--working-days', '1'], /--from/],
    [['--from', '2026-02-13T10:00:00', '--working-days', '1'], /--from/], // no offset
    [['--from', '2026-02-13T10:00:00+08:00'], /--working-days/],
    [['--from', '2026-02-13T10:00:00+08:00', '--working-days', '1', '--hours', '2'], /--working-days.*--hours/],
    [['--from', '2026-02-13T10:00:00+08:00', '--working-days', '0'], /--working-days/],
    [['--from', '2026-02-13T10:00:00+08:00', '--working-days', '1.5'], /--working-days/],
    [['--from', '2026-02-13T10:00:00+08:00', '--calendar-days', '-3'], /--calendar-days/],
    [['--from', '2026-02-13T10:00:00+08:00', '--months', 'x'], /--months/],
    [['--from', '2026-02-13T10:00:00+08:00', '--by-day', '32'], /--by-day/],
    [['--from', '2026-02-13T10:00:00+08:00', '--hours', '24', '--region', 'XX'], /--region XX/],
    [['--from', '2026-02-13T10:00:00+08:00', '--hours', '24', '--region', 'cn'], /--region/],
    [['--from', '2026-02-13T10:00:00+08:00', '--rule', 'nope'], /--rule.*apology_letter/],
    [['--from', '2026-02-13T10:00:00+08:00', '--rule', 'investigation', '--hours', '1'], /--hours.*--rule/],
    [['--from', '2026-02-13T10:00:00+08:00', '--hours', '1', '--workdays', 'weekdays'], /--workdays/],
    [['--from', '2026-02-13T10:00:00+08:00', '--hours', '1', '--day-end', '25:00'], /--day-end/],
    [['--from', '2026-02-13T10:00:00+08:00', '--hours', '1', '--day-start', '09:00', '--day-end', '08:00'], /--day-end/],
    [['--from', '2026-02-13T10:00:00+08:00', '--hours', '1', '--utc-offset', '8'], /--utc-offset/],
    [['--from', '2026-02-13T10:00:00+08:00', '--hours', '1', '--pause', '2026-02-13T11:00:00+08:00'], /--pause/],
    [['--from', '2026-02-13T10:00:00+08:00', '--hours', '1', '--pause', '2026-02-13T12:00:00+08:00/2026-02-13T11:00:00+08:00'], /--pause/],
    [['--from', '2026-02-13T10:00:00+08:00', '--hours', '1', '--colour', 'blue'], /colour/],
    [['--from', '2026-02-13T10:00:00+08:00', '--hours', '1', 'extra'], /extra/],
  ];
  for (const [args, re] of cases) {
    const r = due(args);
    assert.equal(r.status, 2, `${args.join(' ')}\n${show(r)}`);
    assert.equal(r.stdout, '', show(r));
    assert.match(r.stderr, re, `${args.join(' ')}\n${show(r)}`);
  }
  const noSub = spawnSync(BIN, ['calendar'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(noSub.status, 2, noSub.stderr);
  const help = spawnSync(BIN, ['calendar', 'due', '--help'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /--working-days N/);
});

test('--calendar-dir: a next year dropped in as a file, and a broken file refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pd-cal-'));
  try {
    writeFileSync(join(dir, 'CN-2026.tsv'), '# test copy\ndate\tkind\tname\n2026-12-31\tholiday\t测试\n');
    writeFileSync(join(dir, 'CN-2027.tsv'), 'date\tkind\tname\n2027-01-01\tholiday\t元旦\n');
    // Fri 25 Dec 2026: Mon 28 - Wed 30 (31 Dec is a holiday in this test file),
    // Fri 1 Jan 2027 off, Mon 4 Jan = the 4th.
    ok(['--from', '2026-12-25T10:00:00+08:00', '--working-days', '4', '--calendar-dir', dir], '2027-01-04T23:59:59+08:00');
    writeFileSync(join(dir, 'CN-2027.tsv'), 'date\tkind\tname\n2027-01-01\tholliday\t元旦\n');
    const r = due(['--from', '2026-12-25T10:00:00+08:00', '--working-days', '4', '--calendar-dir', dir]);
    assert.equal(r.status, 1, show(r));
    assert.match(r.stderr, /CN-2027\.tsv:2: kind must be holiday or workday/, show(r));
    const missing = due(['--from', '2026-12-25T10:00:00+08:00', '--working-days', '4', '--calendar-dir', join(dir, 'nope')]);
    assert.equal(missing.status, 1, show(missing));
    assert.match(missing.stderr, /cannot read/, show(missing));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
