import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config.js';
import { registerAuditCommands } from './audit.js';
import { registerBackupCommands } from './backup.js';
import { registerChannelCommands } from './channels.js';
import { registerClinicianCommands } from './clinicians.js';
import { registerDoctorCommand } from './doctor.js';
import { registerOpsCommands } from './ops.js';
import { registerSecretCommands } from './secrets.js';
import { registerUserCommands } from './users.js';
import { registerWebhookLegacyCommand } from './webhook-legacy.js';
import { registerWebhookCommands } from './webhooks.js';

export function buildProgram(): Command {
  const program = new Command('qualify')
    .description('Qualify — HSA/FSA qualification sessions')
    .showHelpAfterError()
    .exitOverride();
  registerOpsCommands(program);
  registerChannelCommands(program);
  registerClinicianCommands(program);
  registerAuditCommands(program);
  registerWebhookCommands(program);
  registerWebhookLegacyCommand(program);
  registerSecretCommands(program);
  registerBackupCommands(program);
  registerUserCommands(program);
  registerDoctorCommand(program);
  return program;
}

export async function runCli(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) process.exit(error.exitCode);
    const message = error instanceof ConfigError || error instanceof Error ? error.message : String(error);
    process.stderr.write(`qualify: ${message}\n`);
    process.exit(1);
  }
}
