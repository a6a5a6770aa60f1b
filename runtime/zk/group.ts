// The group of masters under a znode, as Mesos lays it out: each master an EPHEMERAL_SEQUENTIAL
// child `json.info_<10-digit sequence>` holding its MasterInfo JSON; the lowest sequence leads.
// Other children (a registry, old `info_` nodes) are skipped.

/** The member prefix of a master's node. */
export const member_prefix = 'json.info_';

/** The sequence of a member's node name, or undefined when it is not a member. */
export function sequenceOf(name: string): number | undefined {
  if (!name.startsWith(member_prefix)) return undefined;
  const digits = name.slice(member_prefix.length);
  return /^\d+$/.test(digits) ? Number(digits) : undefined;
}

/** The leading member of a list of child names (lowest sequence), if any. */
export function leadingMember(children: readonly string[]): string | undefined {
  let best: { name: string; seq: number } | undefined;
  for (const name of children) {
    const seq = sequenceOf(name);
    if (seq !== undefined && (best === undefined || seq < best.seq)) best = { name, seq };
  }
  return best?.name;
}
