import type { issueReport } from '../../../core/issues/manage-issues.js';
import type { Publication } from '../../../core/publication.js';
import { Frequencies, frequencyLabels } from '../../../core/subscribers/subscriber.js';
import { Badge, readableDate } from './when.js';

export function Dashboard(props: {
  publication: Publication;
  counts: Record<string, number>;
  reports: Awaited<ReturnType<typeof issueReport>>[];
}) {
  const { counts, reports } = props;
  const n = (key: string) => Math.max(0, counts[key] ?? 0);
  const days = Array.from({ length: 30 }, (_, i) =>
    new Date(Date.now() - (29 - i) * 86_400_000).toISOString().slice(0, 10),
  );
  const signups = new Map(days.map((d) => [d, n(`joined:${d}`)]));
  const leaves = new Map(days.map((d) => [d, n(`left:${d}`)]));
  const max = Math.max(1, ...signups.values(), ...leaves.values());
  const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  return (
    <>
      <div class="grid">
        <div class="card">
          <h2>Subscribers by state</h2>
          {['confirmed', 'pending', 'unsubscribed', 'bounced', 'complained'].map((s) => (
            <p>
              <span class="stat">{n(`state:${s}`)}</span> {s}
            </p>
          ))}
        </div>
        <div class="card">
          <h2>Confirmed by topic</h2>
          {props.publication.topics.map((t) => (
            <p>
              <span class="stat">{n(`topic:${t.id}`)}</span> {t.label}
            </p>
          ))}
        </div>
        <div class="card">
          <h2>Confirmed by frequency</h2>
          {Object.values(Frequencies).map((f) => (
            <p>
              <span class="stat">{n(`frequency:${f}`)}</span> {frequencyLabels[f]}
            </p>
          ))}
        </div>
      </div>
      <div class="card">
        <h2 id="chart">Signups and unsubscribes, last 30 days</h2>
        <p>
          {total(signups)} signups and {total(leaves)} unsubscribes in these 30 days; the busiest
          day had {Math.max(0, ...signups.values(), ...leaves.values())}.
        </p>
        <svg role="img" aria-labelledby="chart" viewBox="0 0 640 140" width="100%" height="160">
          <title>Signups and unsubscribes, last 30 days</title>
          {/* The value axis: 0, a whole number near half and the busiest day, each at its height
              (a half of 3 labelled 2 would misread every bar), with faint lines across. */}
          {[...new Set([0, Math.floor(max / 2), max])].map((v) => (
            <g>
              <line
                x1="38"
                x2="640"
                y1={110 - (100 * v) / max}
                y2={110 - (100 * v) / max}
                stroke="#d0d7de"
              />
              <text
                x="32"
                y={114 - (100 * v) / max}
                text-anchor="end"
                font-size="11"
                fill="#57606a"
              >
                {v}
              </text>
            </g>
          ))}
          {days.map((d, i) => (
            <g>
              <rect
                x={40 + i * 20 + 2}
                y={110 - (100 * signups.get(d)!) / max}
                width="8"
                height={(100 * signups.get(d)!) / max}
                fill="#1a7f37"
              >
                <title>{`${readableDate(d, false)}: ${signups.get(d)} signups`}</title>
              </rect>
              <rect
                x={40 + i * 20 + 10}
                y={110 - (100 * leaves.get(d)!) / max}
                width="8"
                height={(100 * leaves.get(d)!) / max}
                fill="#b3261e"
              >
                <title>{`${readableDate(d, false)}: ${leaves.get(d)} unsubscribes`}</title>
              </rect>
              {/* The date axis: every seventh day, ending today. */}
              {(29 - i) % 7 === 0 ? (
                // Today's label ends at the last bar, so it is not cut at the chart's edge.
                <text
                  x={i === 29 ? 40 + i * 20 + 18 : 40 + i * 20 + 10}
                  y="128"
                  text-anchor={i === 29 ? 'end' : 'middle'}
                  font-size="11"
                  fill="#57606a"
                >
                  {readableDate(d, false).replace(/ \d{4}$/, '')}
                </text>
              ) : null}
            </g>
          ))}
        </svg>
        <p>
          <span class="key key-in" /> Signups <span class="key key-out" /> Unsubscribes
        </p>
        {total(signups) + total(leaves) === 0 ? (
          <p>No signups or unsubscribes yet in these 30 days.</p>
        ) : (
          <details>
            <summary>The numbers, day by day</summary>
            <table>
              <thead>
                <tr>
                  <th>Day</th>
                  <th>Signups</th>
                  <th>Unsubscribes</th>
                </tr>
              </thead>
              <tbody>
                {days
                  .filter((d) => signups.get(d)! + leaves.get(d)! > 0)
                  .reverse()
                  .map((d) => (
                    <tr>
                      <td>{readableDate(d, false)}</td>
                      <td>{signups.get(d)}</td>
                      <td>{leaves.get(d)}</td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </details>
        )}
      </div>
      <h2>Latest issues</h2>
      {/* An empty state, not an empty table (whose headers alone scroll sideways on a phone). */}
      {reports.length === 0 ? (
        <p>
          No issue yet: <a href="/admin/issues">compose one from an article</a>.
        </p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Issue</th>
              <th>State</th>
              <th>Sent</th>
              <th>Delivered</th>
              <th>Bounced</th>
              <th>Complained</th>
              <th>Opened</th>
              <th>Clicked</th>
            </tr>
          </thead>
          <tbody>
            {reports.map((r) => (
              <tr>
                <td>
                  <a href={`/admin/issues/${r.issue.id}`}>{r.issue.subject}</a>
                </td>
                <td>
                  <Badge state={r.issue.state} />
                </td>
                <td>{r.counts.sent}</td>
                <td>{r.engagement.delivered}</td>
                <td>{r.engagement.bounced}</td>
                <td>{r.engagement.complained}</td>
                <td>{r.engagement.opened}</td>
                <td>{r.engagement.clicked}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
