import { MemoryEngagementStore } from '../support/fakes/memory-engagement.js';
import { memorySignupReads } from '../support/fakes/memory-signup-reads.js';
import { MemorySenderRegistry } from '../support/fakes/memory-sender-registry.js';
import { describeAdapterContract } from '../support/adapter-contract.js';
import { MemoryAuditLog } from '../support/fakes/memory-audit-log.js';
import { MemoryEventLog } from '../support/fakes/memory-event-log.js';
import { MemoryIssueRepository } from '../support/fakes/memory-issues.js';
import { MemoryLedger } from '../support/fakes/memory-ledger.js';
import { MemoryPublicationLog } from '../support/fakes/memory-publication-log.js';
import { MemoryRateLimiter } from '../support/fakes/memory-rate-limiter.js';
import { MemoryOutboxStore } from '../support/fakes/memory-outbox.js';
import { MemorySubscriberRepository } from '../support/fakes/memory-subscribers.js';
import { MemorySuppressionList } from '../support/fakes/memory-suppression-list.js';
import { MemorySegmentStore } from '../support/fakes/memory-segments.js';
import { MemoryWorkspaceArticleStore } from '../support/fakes/memory-workspace-articles.js';

// The unit tests' fakes held to the contract the DynamoDB adapters meet on dynalite and DynamoDB Local.
describeAdapterContract('the memory fakes', async () => {
  const subscribers = new MemorySubscriberRepository();
  const suppressions = new MemorySuppressionList();
  return {
    adapters: {
      subscribers,
      signupReads: memorySignupReads(subscribers, suppressions),
      outbox: new MemoryOutboxStore(subscribers),
      ledger: new MemoryLedger(),
      issues: new MemoryIssueRepository(),
      suppressions,
      events: new MemoryEventLog(),
      publications: new MemoryPublicationLog(),
      rateLimiter: new MemoryRateLimiter(),
      senders: new MemorySenderRegistry(),
      auditLog: new MemoryAuditLog(),
      engagement: new MemoryEngagementStore(),
      segments: new MemorySegmentStore(),
      workspaceArticles: new MemoryWorkspaceArticleStore(),
    },
  };
});
