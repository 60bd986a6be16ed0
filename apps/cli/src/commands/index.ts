import type { AnyCommand } from '../command.js';
import { backfill } from './backfill.js';
import { examplesWrite } from './examples.js';
import { send } from './send.js';

/** Every command, in the order `qbo-sync help` lists them. */
export const COMMANDS: readonly AnyCommand[] = [send, backfill, examplesWrite];
