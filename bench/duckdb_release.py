"""The same release aggregation in DuckDB, for `cargo xtask bench`.

Reads target/bench/release.csv (written by the criterion benchmark), then times the
lattice's statistics: P10/P25/P50/P75/P90 (quantile_cont) and the mean per metric for `all`,
each seat band, region, delivery model and work-from-home band (GROUPING SETS), and each
vertical (a second GROUP BY over the unnested verticals). Prints the median of the runs in ms.
Loading the CSV is not timed.
"""
import statistics
import sys
import time

import duckdb

RUNS = 15
QUERY = """
SELECT metric, seat_band, region, delivery, wfh_band, NULL AS vertical, count(*) AS n,
       quantile_cont(value, [0.1, 0.25, 0.5, 0.75, 0.9]) AS percentiles, avg(value) AS mean
FROM vals
GROUP BY GROUPING SETS ((metric), (metric, seat_band), (metric, region), (metric, delivery), (metric, wfh_band))
UNION ALL
SELECT metric, NULL, NULL, NULL, NULL, vertical, count(*),
       quantile_cont(value, [0.1, 0.25, 0.5, 0.75, 0.9]), avg(value)
FROM (SELECT metric, value, unnest(string_split(verticals, ';')) AS vertical FROM vals)
GROUP BY metric, vertical
"""


def main() -> None:
    path = sys.argv[1]
    con = duckdb.connect()
    con.execute(f"CREATE TABLE vals AS SELECT * FROM read_csv_auto('{path}')")
    rows = con.execute(QUERY).fetchall()
    cells = len(rows)
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        con.execute(QUERY).fetchall()
        times.append((time.perf_counter() - start) * 1000)
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    print(f"duckdb {duckdb.__version__}: {cells} cells, median {statistics.median(times):.2f} ms "
          f"over {RUNS} runs ({threads} threads)")
    print(f"DUCKDB_MEDIAN_MS={statistics.median(times):.3f}")


if __name__ == "__main__":
    main()
