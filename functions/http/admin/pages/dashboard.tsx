import type { issueReport } from '../../../core/issues/manage-issues.js';
import type { Publication } from '../../../core/publication.js';
import { Frequencies, frequencyLabels } from '../../../core/subscribers/subscriber.js';
import { Badge } from './when.js';

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
        <svg role="img" aria-labelledby="chart" viewBox="0 0 600 120" width="100%" height="140">
          <title>Signups and unsubscribes, last 30 days</title>
          {days.map((d, i) => (
            <g>
              <rect
                x={i * 20 + 2}
                y={110 - (100 * signups.get(d)!) / max}
                width="8"
                height={(100 * signups.get(d)!) / max}
                fill="#1a7f37"
              >
                <title>{`${d}: ${signups.get(d)} signups`}</title>
              </rect>
              <rect
                x={i * 20 + 10}
                y={110 - (100 * leaves.get(d)!) / max}
                width="8"
                height={(100 * leaves.get(d)!) / max}
                fill="#b3261e"
              >
                <title>{`${d}: ${leaves.get(d)} unsubscribes`}</title>
              </rect>
            </g>
          ))}
        </svg>
        <p>Green: signups. Red: unsubscribes.</p>
      </div>
      <h2>Latest issues</h2>
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
    </>
  );
}
