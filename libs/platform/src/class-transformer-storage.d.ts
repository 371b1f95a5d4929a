// class-transformer ships its metadata storage without types beside it (they are in types/).
declare module 'class-transformer/cjs/storage' {
  export { defaultMetadataStorage } from 'class-transformer/types/storage';
}
