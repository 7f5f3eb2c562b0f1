-- The reference plan (rules/README.md, section 15) as the DuckDB SQL an
-- analyst would write instead of a Payplan plan file, for the benchmark.
--
-- Exactness: DuckDB divides DECIMALs in DOUBLE, so this script keeps money in
-- integer cents (HUGEINT) and every ratio as a numerator and a denominator,
-- comparing ratios by cross-multiplication and rounding with integer
-- arithmetic (half away from zero). Amounts must have at most 2 decimals.
--
-- Parameters, substituted by duckdb_reference.py: ${DATA} the data folder, ${P} / ${Q}
-- the run and previous quarter ('2026-Q3', '2026-Q2'), ${S} ${E} / ${QS} ${QE}
-- their first and last days.

CREATE TEMP TABLE reps AS
SELECT * FROM read_csv('${DATA}/reps.csv', header = true, quote = '"', escape = '"',
  columns = {'rep_id': 'VARCHAR', 'name': 'VARCHAR', 'team': 'VARCHAR', 'region': 'VARCHAR', 'role': 'VARCHAR',
             'hire_date': 'DATE', 'exit_date': 'DATE', 'target_incentive': 'DECIMAL(18,2)'});

CREATE TEMP TABLE targets AS
SELECT * FROM read_csv('${DATA}/targets.csv', header = true,
  columns = {'rep_id': 'VARCHAR', 'period': 'VARCHAR', 'revenue': 'DECIMAL(18,2)'});

CREATE TEMP TABLE products AS
SELECT * FROM read_csv('${DATA}/products.csv', header = true,
  columns = {'product': 'VARCHAR', 'name': 'VARCHAR', 'launch_date': 'DATE', 'category': 'VARCHAR'});

-- One pass over the transactions: per rep and quarter, revenue, collected and
-- new-product revenue in cents; the new-product rows kept for the race.
CREATE TEMP TABLE tx AS
SELECT t.deal_id, t.rep_id, t.date,
       (t.amount * 100)::HUGEINT AS amount_c, (t.collected * 100)::HUGEINT AS collected_c,
       CASE WHEN t.date BETWEEN DATE '${S}' AND DATE '${E}' THEN '${P}' ELSE '${Q}' END AS period,
       CASE WHEN t.date BETWEEN DATE '${S}' AND DATE '${E}'
            THEN p.launch_date > DATE '${E}' - INTERVAL 180 DAY AND p.launch_date <= DATE '${E}'
            ELSE p.launch_date > DATE '${QE}' - INTERVAL 180 DAY AND p.launch_date <= DATE '${QE}' END AS is_new
FROM read_csv('${DATA}/transactions.csv', header = true,
  columns = {'deal_id': 'VARCHAR', 'rep_id': 'VARCHAR', 'date': 'DATE', 'product': 'VARCHAR',
             'amount': 'DECIMAL(18,2)', 'collected': 'DECIMAL(18,2)'}) t
JOIN products p USING (product)
WHERE t.date BETWEEN DATE '${QS}' AND DATE '${E}';

CREATE TEMP TABLE sums AS
SELECT rep_id, period, sum(amount_c) AS r, sum(collected_c) AS c, sum(CASE WHEN is_new THEN amount_c ELSE 0 END) AS np
FROM tx GROUP BY rep_id, period;

-- Both quarters' populations (active at least one day, target > 0).
CREATE TEMP TABLE pop AS
WITH q(period, s, e) AS (VALUES ('${P}', DATE '${S}', DATE '${E}'), ('${Q}', DATE '${QS}', DATE '${QE}'))
SELECT q.period, r.rep_id, r.name, r.team, r.hire_date, (r.target_incentive * 100)::HUGEINT AS ti_c,
       (least(coalesce(r.exit_date, q.e), q.e) - greatest(r.hire_date, q.s) + 1)::HUGEINT AS active,
       (q.e - q.s + 1)::HUGEINT AS days, (q.e - r.hire_date) AS tenure,
       (tg.revenue * 100)::HUGEINT AS t,
       coalesce(s.r, 0) AS r, coalesce(s.c, 0) AS c, coalesce(s.np, 0) AS np
FROM reps r CROSS JOIN q
JOIN targets tg ON tg.rep_id = r.rep_id AND tg.period = q.period AND tg.revenue > 0
LEFT JOIN sums s ON s.rep_id = r.rep_id AND s.period = q.period
WHERE least(coalesce(r.exit_date, q.e), q.e) >= greatest(r.hire_date, q.s);

-- Elimination flags per quarter: A < 0.60, or among the bottom floor(5% of N)
-- (ties with the k-th lowest included), exempt when tenure < 90 days.
CREATE TEMP TABLE flags AS
WITH ne AS (
  SELECT period, rep_id, r, t, count(*) OVER (PARTITION BY period) AS n,
         row_number() OVER (PARTITION BY period ORDER BY r::DOUBLE / t::DOUBLE, rep_id) AS pos
  FROM pop WHERE tenure >= 90),
cut AS (SELECT period, r AS kr, t AS kt FROM ne WHERE pos = n // 20 AND n // 20 > 0)
SELECT ne.period, ne.rep_id,
       (10 * ne.r < 6 * ne.t) OR (cut.kr IS NOT NULL AND ne.r * cut.kt <= cut.kr * ne.t) AS flagged
FROM ne LEFT JOIN cut USING (period);

CREATE TEMP TABLE cur AS
SELECT p.*,
  -- payout factor f(A) = fn / fd, collection factor c10 / 10
  CASE WHEN 10 * r < 8 * t THEN 0 WHEN r < t THEN 5 * r - 3 * t WHEN 2 * r < 3 * t THEN 2 * r - t ELSE 2 END AS fn,
  CASE WHEN 10 * r < 8 * t THEN 1 WHEN r < t THEN 2 * t WHEN 2 * r < 3 * t THEN t ELSE 1 END AS fd,
  CASE WHEN r > 0 AND 10 * c >= 9 * r THEN 10 WHEN r > 0 AND 10 * c >= 7 * r THEN 8 ELSE 5 END AS c10,
  coalesce(f.flagged, false) AS flagged_now, coalesce(pf.flagged, false) AS flagged_before
FROM pop p
LEFT JOIN flags f ON f.period = p.period AND f.rep_id = p.rep_id
LEFT JOIN flags pf ON pf.period = '${Q}' AND pf.rep_id = p.rep_id
WHERE p.period = '${P}';

-- Round a non-negative ratio n / d (in cents) half away from zero.
CREATE MACRO rnd(n, d) AS (2 * n + d) // (2 * d);

CREATE TEMP TABLE pay AS
SELECT *,
  rnd(ti_c * active * fn * c10, days * fd * 10) AS bonus_c,
  CASE WHEN np >= 5000000 THEN least(rnd(np - 1000000, 20), 2000000) ELSE 0 END AS np_c,
  CASE WHEN flagged_now AND flagged_before THEN 'eliminate' WHEN flagged_now THEN 'warning' ELSE 'none' END AS flag
FROM cur;

-- First movers: the first new-product transaction, in (date, deal_id) order,
-- at which the running sum reaches 50,000; the first 3 reps by (date, deal_id, rep_id).
CREATE TEMP TABLE movers AS
WITH run AS (
  SELECT tx.rep_id, tx.date, tx.deal_id,
         sum(amount_c) OVER (PARTITION BY tx.rep_id ORDER BY tx.date, tx.deal_id ROWS UNBOUNDED PRECEDING) AS running
  FROM tx JOIN pay USING (rep_id) WHERE tx.period = '${P}' AND tx.is_new AND pay.np >= 5000000),
firsts AS (SELECT rep_id, date, deal_id, row_number() OVER (PARTITION BY rep_id ORDER BY date, deal_id) AS k
           FROM run WHERE running >= 5000000)
SELECT rep_id FROM firsts WHERE k = 1 ORDER BY date, deal_id, rep_id LIMIT 3;

-- Teams: exact ties by reduced fraction, positions, pooled prizes split by
-- largest remainder (leftover cents by team name).
CREATE TEMP TABLE teams AS
WITH agg AS (SELECT team, sum(r) AS sr, sum(t) AS st, count(*) AS members FROM pay GROUP BY team),
el AS (SELECT team, sr // gcd(sr, st) AS a, st // gcd(sr, st) AS b, sr, st FROM agg WHERE sr >= st AND members >= 3),
pos AS (SELECT e1.team, e1.a, e1.b, 1 + (SELECT count(*) FROM el e2 WHERE e2.sr * e1.st > e1.sr * e2.st) AS first,
               count(*) OVER (PARTITION BY e1.a, e1.b) AS tied,
               row_number() OVER (PARTITION BY e1.a, e1.b ORDER BY e1.team) AS k
        FROM el e1),
prizes(position, cents) AS (VALUES (1, 3000000), (2, 2000000), (3, 1000000)),
pools AS (SELECT p.team, p.tied, p.k,
                 (SELECT coalesce(sum(cents), 0) FROM prizes z WHERE z.position >= p.first AND z.position < p.first + p.tied) AS pool
          FROM pos p)
SELECT team, pool // tied + CASE WHEN k <= pool % tied THEN 1 ELSE 0 END AS prize_c FROM pools;

CREATE TEMP TABLE shares AS
WITH w AS (SELECT p.rep_id, p.team, t.prize_c, CASE WHEN p.flag = 'none' THEN greatest(p.r, 0) ELSE 0 END AS w
           FROM pay p JOIN teams t USING (team)),
tw AS (SELECT *, sum(w) OVER (PARTITION BY team) AS sw FROM w),
base AS (SELECT *, CASE WHEN sw > 0 THEN prize_c * w // sw ELSE 0 END AS fl,
                   CASE WHEN sw > 0 THEN prize_c * w % sw ELSE 0 END AS rem FROM tw),
lr AS (SELECT *, CASE WHEN sw > 0 THEN prize_c - sum(fl) OVER (PARTITION BY team) ELSE 0 END AS leftover,
              row_number() OVER (PARTITION BY team ORDER BY rem DESC, rep_id) AS rk FROM base)
SELECT rep_id, fl + CASE WHEN rk <= leftover THEN 1 ELSE 0 END AS share_c FROM lr;

CREATE MACRO money(c) AS CASE WHEN c < 0 THEN '-' ELSE '' END || (abs(c) // 100)::VARCHAR || '.' || lpad((abs(c) % 100)::VARCHAR, 2, '0');

CREATE TEMP TABLE result AS
WITH g AS (
  SELECT p.*, CASE WHEN m.rep_id IS NULL THEN 0 ELSE 100000 END AS fm_c, coalesce(s.share_c, 0) AS team_c
  FROM pay p LEFT JOIN movers m USING (rep_id) LEFT JOIN shares s USING (rep_id)),
tot AS (
  SELECT *, bonus_c + np_c + fm_c + team_c AS gross,
         CASE WHEN (bonus_c + np_c + fm_c + team_c) * days <= 3 * ti_c * active THEN bonus_c + np_c + fm_c + team_c
              ELSE rnd(3 * ti_c * active, days) END AS total_c,
         -- attainment to 4 places, half away from zero
         CASE WHEN r >= 0 THEN rnd(r * 10000, t) ELSE -rnd(-r * 10000, t) END AS a4
  FROM g)
SELECT rep_id, name, team,
       CASE WHEN a4 < 0 THEN '-' ELSE '' END || (abs(a4) // 10000)::VARCHAR || '.' || lpad((abs(a4) % 10000)::VARCHAR, 4, '0') AS attainment,
       money(bonus_c) AS attainment_bonus, money(np_c) AS np_award, money(fm_c) AS first_mover, money(team_c) AS team_prize,
       money(gross - total_c) AS capped, money(total_c) AS total, flag
FROM tot ORDER BY rep_id;
