import { Injectable } from '@nestjs/common';
import { HeraldPublisher } from '@herald/sdk';

/** A domain service that tells Herald what happened; Herald delivers it to the app's endpoints. */
@Injectable()
export class SignupsService {
  constructor(private readonly herald: HeraldPublisher) {}

  async signUp(app: string, user: { id: string; email: string }) {
    // The id makes the publish idempotent: a retry of this call is a duplicate, not a second event.
    return this.herald.publish(app, { eventType: 'user.created', payload: user, id: `user-created-${user.id}` });
  }
}
