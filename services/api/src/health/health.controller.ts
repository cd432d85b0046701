import { Controller, Get, HttpCode, HttpException, HttpStatus, Inject } from '@nestjs/common';
import { API_DEPENDENCIES, type ApiDependencies } from '../api-dependencies';

@Controller()
export class HealthController {
  constructor(@Inject(API_DEPENDENCIES) private readonly deps: ApiDependencies) {}

  /** Liveness: the process answers. */
  @Get('healthz')
  @HttpCode(200)
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: start-up finished and the analytics store answers a query. */
  @Get('readyz')
  async ready(): Promise<{ status: 'ready' }> {
    if (this.deps.isReady && !this.deps.isReady()) {
      throw new HttpException({ status: 'starting' }, HttpStatus.SERVICE_UNAVAILABLE);
    }
    try {
      await this.deps.analytics.client.query({ query: 'SELECT 1', format: 'JSONEachRow' }).then((r) => r.json());
    } catch (error) {
      throw new HttpException({ status: 'unavailable', reason: (error as Error).message }, HttpStatus.SERVICE_UNAVAILABLE);
    }
    return { status: 'ready' };
  }
}
