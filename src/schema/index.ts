// Every module's schema file, then the finished schema.
import { lexicographicSortSchema, printSchema } from 'graphql';
import { builder } from './builder.js';
import { guardSchema } from './guard.js';
import '../modules/users/users.schema.js';
import '../modules/auth/auth.schema.js';
import '../modules/credits/credits.schema.js';
import '../modules/codes/codes.schema.js';
import '../modules/models/models.schema.js';
import '../modules/limits/limits.schema.js';
import '../modules/usage/usage.schema.js';
import '../modules/tasks/tasks.schema.js';
import '../modules/assets/assets.schema.js';
import '../modules/presets/presets.schema.js';
import '../modules/chats/chats.schema.js';
import '../modules/orders/orders.schema.js';
import '../modules/apikeys/apikeys.schema.js';
import '../modules/webhooks/webhooks.schema.js';
import '../modules/debug/debug.schema.js';

export const schema = guardSchema(builder.toSchema());

export const printedSchema = () => printSchema(lexicographicSortSchema(schema)) + '\n';
