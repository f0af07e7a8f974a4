// The prior: how likely a coding question needs a strong cloud model, before the user has any data of their
// own. Prompt-surface features learned on other people's questions do not transfer (the shipped arena/MMLU model
// ranks everyday coding questions upside down), so the prior describes the task instead: what kind of work it
// asks for. Design, concurrency, distributed systems, debugging that spans components or shows only under load,
// performance work, proofs, security and large migrations lean to the cloud; lookups, one-liners and
// definitions lean to the nodes; several requirements in one question lean to the cloud a little.
//
// The weights are judgement, tuned on bench/data/prior-tuning.json and reported on bench/data/prior-heldout.json,
// written separately and never tuned on (bench/prior.ts, docs/ML_ROUTER_IMPLEMENTATION.md).

export interface TaskConcept {
  name: string;
  /** Log-odds it adds (negative: the nodes do it well). */
  weight: number;
  pattern: RegExp;
}

export const TASK_CONCEPTS: readonly TaskConcept[] = [
  {
    name: 'concurrency',
    weight: 1.7,
    pattern: /\b(thread[- ]?safe\w*|multi[- ]?thread\w*|threads|mutex\w*|locks?|lock[- ]free|deadlock\w*|race conditions?|data races?|concurren\w*|parallel\w*|atomics?|atomically|semaphores?|memory (model|ordering)|async runtime|worker pool|wait[- ]free)\b/,
  },
  {
    name: 'distributed systems',
    weight: 1.8,
    pattern: /\b(distributed|consensus|raft|paxos|replica\w*|shard\w*|partition(ed|ing)|microservices?|eventual(ly)? consisten\w*|consistency|idempoten\w*|exactly[- ]once|at[- ]least[- ]once|leader election|split[- ]brain|kafka|message (queue|broker)s?|sagas?|two[- ]phase commit|clusters?|failover|multi[- ]region|backpressure)\b/,
  },
  {
    name: 'design',
    weight: 1.5,
    pattern: /\b(design(ing)?|architect\w*|scal(able|ability|ing|es? to)|trade[- ]?offs?|extensible|plugin (system|architecture)|multi[- ]tenan\w*|schema design|rate[- ]limit\w*|high availability|fault[- ]toleran\w*|event sourcing|cqrs)\b/,
  },
  {
    name: 'performance',
    weight: 1.4,
    pattern: /\b(optimi[sz]\w*|performance|latency|throughput|profil(e|er|ing)|bottlenecks?|memory leaks?|leaks?|leaking|p9[59]|cache (invalidation|stampede)|hot path|allocations?|gc pauses?|cpu (usage|spikes?)|slow (queries|query|down)|n\+1|vectori[sz]\w*|simd)\b/,
  },
  {
    name: 'debugging across components',
    weight: 1.4,
    pattern: /\b(intermittent\w*|flaky|only (in|on) (production|prod|ci|staging)|under (heavy )?load|heisenbug|segfaults?|segmentation fault|corrupt\w*|randomly (crash|fail|hang)\w*|across (services|components|processes|threads)|between (services|processes)|sporadic\w*|hangs? (forever|sometimes)|root cause|post[- ]?mortem)\b/,
  },
  {
    name: 'proofs and algorithms',
    weight: 1.3,
    pattern: /\b(prove|proof|invariants?|correctness|formal(ly)?|np[- ]hard|np[- ]complete|amortized|dynamic programming|lower bound|complexity (analysis|of)|linearizab\w*|serializab\w*|crdts?)\b/,
  },
  {
    name: 'security',
    weight: 1.3,
    pattern: /\b(vulnerab\w*|exploit\w*|threat model\w*|security (review|audit|hole)|oauth\w*|csrf|xss|sql injection|injection attacks?|timing attacks?|key rotation|sandbox\w*|privilege escalation|zero[- ]trust|side[- ]channel)\b/,
  },
  {
    name: 'migration and refactoring',
    weight: 1.2,
    pattern: /\b(migrat\w*|refactor\w*|zero[- ]downtime|without (any )?downtime|backwards?[- ]compatib\w*|monolith\w*|legacy|rewrite (the|our|a) \w+ (in|from)|incremental(ly)? (move|port))\b/,
  },
  {
    name: 'question about basics',
    weight: -1.2,
    pattern: /^\s*(how (do|can|would|should) (i|you|we)|how to|what('s| is| are| does| do)|which|where|is there|can i|whats)\b/,
  },
  {
    name: 'one-liner',
    weight: -1.1,
    pattern: /\b(syntax|one[- ]liner|convert\w*|format(ting)? (a|the|this)|print(ing)?|sort(ing)? (a|an|the)|reverse\w*|remove duplicates|dedupe|check if|default port|upper ?case|lower ?case|concatenat\w*|length of|split (a|the) string|parse (json|an? int\w*|a date)|read (a|the) file|list files|undo|rename|install|hello world|loop over|iterate over|get the (current|last|first)|env(ironment)? variables?|increment)\b/,
  },
  {
    name: 'definition',
    weight: -0.7,
    pattern: /\b(difference between|what does .{1,40} (mean|do)|explain what|meaning of|an example of|define|stand for)\b/,
  },
];

/** Requirements in one question ("must", "without", "while", "and handle …"): each leans a little to the cloud. */
const CONSTRAINT = /\b(must|should|without|while|guarantee\w*|ensure|handle|edge cases?|at most|at least|no more than|in production|millions?|thousands of|concurrently)\b/g;

const BIAS = -0.6;
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

export interface PriorInput {
  question: string;
  /** Characters of attached context. */
  contextChars?: number;
}

/** What the prior saw in a question: the concepts that matched and their sum, for the decision's log line. */
export function priorTerms(input: PriorInput): { concepts: string[]; logit: number } {
  const text = input.question.toLowerCase();
  const matched = TASK_CONCEPTS.filter((c) => c.pattern.test(text));
  const hard = matched.filter((c) => c.weight > 0).map((c) => c.weight);
  // A second hard concept adds less than the first: two strong signals are not twice the evidence.
  const hardSum = hard.sort((a, b) => b - a).reduce((sum, w, i) => sum + w / (i + 1), 0);
  const easySum = matched.filter((c) => c.weight < 0).reduce((sum, c) => sum + c.weight, 0);
  const constraints = Math.min(4, (text.match(CONSTRAINT) ?? []).length);
  const words = text.split(/\s+/).filter(Boolean).length;
  const context = input.contextChars ? 0.15 * Math.log10(1 + input.contextChars / 1000) : 0;
  const logit = BIAS + hardSum + easySum + 0.3 * constraints + 0.25 * Math.log2(1 + words / 12) + context;
  return { concepts: matched.map((c) => c.name), logit };
}

/** The prior's p_cloud for a question, in (0, 1). */
export function priorPCloud(input: PriorInput): number {
  return sigmoid(priorTerms(input).logit);
}
