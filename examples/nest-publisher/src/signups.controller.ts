import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { SignupsService } from './signups.service';

@Controller('apps/:app/signups')
export class SignupsController {
  constructor(private readonly signups: SignupsService) {}

  @Post()
  @HttpCode(202)
  signUp(@Param('app') app: string, @Body() body: { id: string; email: string }) {
    return this.signups.signUp(app, { id: body.id, email: body.email });
  }
}
