import type { AnyCommand } from '../command.js';
import { backfill } from './backfill.js';
import { connect, disconnectCommand } from './connect.js';
import { demoLoad, demoSetup } from './demo.js';
import { examplesWrite } from './examples.js';
import { mappingsList, mappingsRemove, mappingsSet, qboListCommand } from './mappings.js';
import { audit, health, operatorsCreate, operatorsList, operatorsRevoke, queues, search, stats } from './operations.js';
import { replay, sync } from './replay.js';
import { send } from './send.js';
import { status } from './status.js';
import {
  tenantsCreate,
  tenantsDelete,
  tenantsList,
  tenantsRotateKey,
  tenantsSettings,
  tenantsShow,
} from './tenants.js';

/** Every command, in the order `qbo-sync help` lists them. */
export const COMMANDS: readonly AnyCommand[] = [
  tenantsCreate,
  tenantsList,
  tenantsShow,
  tenantsSettings,
  tenantsRotateKey,
  tenantsDelete,
  connect,
  disconnectCommand,
  mappingsList,
  mappingsSet,
  mappingsRemove,
  qboListCommand,
  health,
  queues,
  stats,
  status,
  search,
  replay,
  sync,
  send,
  backfill,
  demoSetup,
  demoLoad,
  operatorsCreate,
  operatorsList,
  operatorsRevoke,
  audit,
  examplesWrite,
];
