import { OptionalField } from '@herald/platform';
import { IsObject, IsString, Matches, MaxLength, MinLength, Validate } from 'class-validator';
import { IsStringMap } from '../../common/string-map.validator';

export class CreateAppDto {
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  name: string;

  /** A caller-chosen alias usable wherever `{appId}` is (must not look like an id). */
  @OptionalField()
  @IsString()
  @Matches(/^(?!app_)[A-Za-z0-9_-]{1,64}$/, { message: 'uid must be 1-64 of [A-Za-z0-9_-] and not start with "app_"' })
  uid?: string;

  @OptionalField()
  @IsObject()
  @Validate(IsStringMap)
  metadata?: Record<string, string>;
}

export class UpdateAppDto {
  @OptionalField()
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  name?: string;

  /** `null` removes the alias. */
  @OptionalField({ nullable: true })
  @IsString()
  @Matches(/^(?!app_)[A-Za-z0-9_-]{1,64}$/, { message: 'uid must be 1-64 of [A-Za-z0-9_-] and not start with "app_"' })
  uid?: string | null;

  @OptionalField()
  @IsObject()
  @Validate(IsStringMap)
  metadata?: Record<string, string>;
}
