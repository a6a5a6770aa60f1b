// Heap settings for processes and threads that simulate. A simulation makes short-lived objects at a
// high rate (offers, events, effects), and with V8's default young generation (16 MB semi-spaces on
// 64-bit) a fifth of its time went to scavenges; 128 MB semi-spaces cut its CPU time by about a
// third (BENCHMARKS.md). Only a process's start can set them: `meso sim` and `meso experiment`
// start themselves again with the flag, and the experiment runner gives its workers the same.

/** Semi-space size of the young generation for simulations, in MB. */
export const sim_semi_space_mb = 128;

/** The node flag that sets it. */
export const sim_node_flag = `--max-semi-space-size=${sim_semi_space_mb}`;

/** Young generation size for a worker thread (two semi-spaces and V8's new large-object space), in MB. */
export const sim_worker_young_generation_mb = 3 * sim_semi_space_mb;
