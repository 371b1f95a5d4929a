import { AppEntity } from '@herald/persistence';

/** The public shape of an app (API.md, "Apps"). */
export function presentApp(app: AppEntity) {
  return { id: app.id, uid: app.uid, name: app.name, metadata: app.metadata, createdAt: app.createdAt, updatedAt: app.updatedAt };
}
