// The `meso` command line: one program, a subcommand per job.
import { Command, CommanderError } from 'commander';
import { runScenarioCommand } from './scenario.ts';

const program = new Command('meso')
  .description('meso: a cluster manager in the lineage of Apache Mesos, and a scheduling testbed')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

program
  .command('scenario')
  .description('run a scenario file through the engine and print what happens')
  .argument('<file>', 'scenario file, e.g. test/scenarios/drf-example.txt')
  .action((file: string) => {
    process.exitCode = runScenarioCommand(file);
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exitCode = error.exitCode;
  else {
    process.stderr.write(`meso: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
