import { builder } from '../../schema/builder.js';
import { User } from '../users/users.schema.js';
import * as credits from './credits.service.js';

const Credits = builder.objectRef<credits.Balance>('Credits').implement({
  description: 'A credit balance: what can be spent now, and what is held for running work.',
  fields: (t) => ({
    available: t.exposeInt('available'),
    reserved: t.exposeInt('reserved'),
  }),
});

builder.objectField(User, 'credits', (t) =>
  t.field({ type: Credits, resolve: (user, _args, ctx) => credits.balanceOf(ctx, user.id) }),
);
