import type { Context, UserViewer } from '../../context.js';
import { builder } from '../../schema/builder.js';
import { pageArgs } from '../credits/credits.schema.js';
import * as webhooks from './webhooks.service.js';

const userId = (ctx: Context) => (ctx.viewer as UserViewer).user.id;
const isOwner = (ctx: Context, id: number) => ctx.viewer.kind === 'user' && ctx.viewer.user.id === id;

export const Webhook = builder.prismaObject('Webhook', {
  description: 'An endpoint receiving your events, signed with Standard Webhooks headers.',
  fields: (t) => ({
    id: t.exposeString('id'),
    url: t.exposeString('url'),
    events: t.exposeStringList('events', { description: `Any of ${webhooks.EVENTS.join(', ')}.` }),
    secret: t.exposeString('secret', { description: 'Signing secret (whsec_…: the HMAC key is its base64 part; any other secret: its text).' }),
    active: t.exposeBoolean('active'),
    description: t.exposeString('description', { nullable: true }),
    disabledAt: t.expose('disabledAt', { type: 'DateTime', nullable: true, description: 'Set when it was disabled for failing.' }),
    disabledReason: t.exposeString('disabledReason', { nullable: true }),
    failingSince: t.expose('failingSince', { type: 'DateTime', nullable: true }),
    lastDeliveryAt: t.expose('lastDeliveryAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    deliveries: t.relation('deliveries', {
      description: 'Newest first (limit 1–100, default 20).',
      args: { status: t.arg({ type: DeliveryStatus, required: false }), offset: t.arg.int({ required: false }), limit: t.arg.int({ required: false, defaultValue: 20 }) },
      query: (args) => {
        const page = pageArgs(args);
        return { where: args.status ? { status: args.status } : {}, orderBy: { createdAt: 'desc' }, skip: page.offset, take: page.limit };
      },
    }),
  }),
  authScopes: (w, ctx) => isOwner(ctx, w.userId),
});

const DeliveryStatus = builder.enumType('DeliveryStatus', { values: ['pending', 'succeeded', 'failed'] as const });

builder.prismaObject('WebhookDelivery', {
  description: 'One event for one webhook, with every attempt to deliver it.',
  fields: (t) => ({
    id: t.exposeString('id', { description: 'Sent as webhook-id: the same on every attempt.' }),
    eventType: t.exposeString('eventType'),
    payload: t.expose('payload', { type: 'JSON' }),
    status: t.expose('status', { type: DeliveryStatus }),
    attemptCount: t.exposeInt('attemptCount'),
    nextAttemptAt: t.expose('nextAttemptAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    completedAt: t.expose('completedAt', { type: 'DateTime', nullable: true }),
    attempts: t.relation('attempts', { query: { orderBy: { attemptNo: 'asc' } } }),
  }),
});

builder.prismaObject('WebhookAttempt', {
  fields: (t) => ({
    attemptNo: t.exposeInt('attemptNo'),
    statusCode: t.exposeInt('statusCode', { nullable: true }),
    success: t.exposeBoolean('success'),
    latencyMs: t.exposeInt('latencyMs'),
    responseExcerpt: t.exposeString('responseExcerpt', { nullable: true, description: 'The first 500 characters of the answer.' }),
    error: t.exposeString('error', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const webhookFields = (t: any, required: boolean) => ({
  url: t.string({ required }),
  events: t.stringList({ required }),
  secret: t.string({ required: false, description: 'Default: a generated whsec_ secret.' }),
  active: t.boolean({ required: false }),
  description: t.string({ required: false }),
});
const CreateWebhookInput = builder.inputType('CreateWebhookInput', { fields: (t) => webhookFields(t, true) });
const UpdateWebhookInput = builder.inputType('UpdateWebhookInput', { fields: (t) => webhookFields(t, false) });

builder.queryFields((t) => ({
  webhooks: t.prismaField({
    type: ['Webhook'],
    authScopes: { permission: 'webhooks:read' },
    resolve: (query, _r, _a, ctx) => ctx.prisma.webhook.findMany({ ...query, where: { userId: userId(ctx) }, orderBy: { createdAt: 'desc' } }),
  }),
  webhook: t.prismaField({
    type: 'Webhook',
    authScopes: { permission: 'webhooks:read' },
    args: { id: t.arg.string() },
    resolve: async (query, _r, { id }, ctx) => {
      await webhooks.ownWebhook(ctx, userId(ctx), id);
      return ctx.prisma.webhook.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
  webhookEvents: t.stringList({ description: 'The events a webhook can subscribe to.', resolve: () => [...webhooks.EVENTS] }),
}));

builder.mutationFields((t) => ({
  createWebhook: t.prismaField({
    type: 'Webhook',
    authScopes: { permission: 'webhooks:write' },
    args: { input: t.arg({ type: CreateWebhookInput }) },
    resolve: (_q, _r, { input }, ctx) => webhooks.createWebhook(ctx, userId(ctx), input as webhooks.WebhookInput),
  }),
  updateWebhook: t.prismaField({
    type: 'Webhook',
    description: 'Changes the given fields; active: true turns a disabled endpoint on again.',
    authScopes: { permission: 'webhooks:write' },
    args: { id: t.arg.string(), input: t.arg({ type: UpdateWebhookInput }) },
    resolve: (_q, _r, { id, input }, ctx) => webhooks.updateWebhook(ctx, userId(ctx), id, input as Partial<webhooks.WebhookInput>),
  }),
  deleteWebhook: t.boolean({
    authScopes: { permission: 'webhooks:write' },
    args: { id: t.arg.string() },
    resolve: (_r, { id }, ctx) => webhooks.deleteWebhook(ctx, userId(ctx), id),
  }),
  replayWebhookDelivery: t.prismaField({
    type: 'WebhookDelivery',
    description: 'Sends a delivery again now (same webhook-id), whatever became of it.',
    authScopes: { permission: 'webhooks:write' },
    args: { id: t.arg.string() },
    resolve: (_q, _r, { id }, ctx) => webhooks.replay(ctx, userId(ctx), id),
  }),
}));
