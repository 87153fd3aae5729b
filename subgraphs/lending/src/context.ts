import type { BaseContext } from '@imagy/platform/server';
import type { Caller } from '@imagy/platform/server';
import type { CreditsService } from './credits/credits.service';
import type { DelinquencyService } from './delinquency/delinquency.service';
import type { CreditLoaders } from './credits/credits.loaders';
import type { PaymentLoaders } from './payments/payments.loaders';
import type { ProductLoaders } from './products/products.loaders';
import type { PaymentsService } from './payments/payments.service';
import type { ProductsService } from './products/products.service';
import type { SimulatorService } from './simulator/simulator.service';
import type { TenantDirectory } from './tenants/tenants.service';
import type { UserDirectory } from './users/users.service';
import type { ApplicationsService } from './applications/applications.service';
import type { ApplicationLoaders } from './applications/applications.loaders';
import type { PipelineService } from './pipeline/pipeline.service';
import type { PortfolioService } from './portfolio/portfolio.service';

export interface LendingServices {
  products: ProductsService;
  simulator: SimulatorService;
  credits: CreditsService;
  payments: PaymentsService;
  delinquency: DelinquencyService;
  directory: TenantDirectory;
  /** Borrowers known from identity's events (bookCredit refuses an unknown one). */
  users: UserDirectory;
  /** Pipeline configuration per product version, legal documents, the public landing. */
  pipeline: PipelineService;
  /** Credit applications through their pipelines (src/applications). */
  applications: ApplicationsService;
  /** Portfolio figures: balance by bucket, disbursements and collections per month (src/portfolio). */
  portfolio: PortfolioService;
}

export interface LendingExtra {
  caller: Caller;
  services: LendingServices;
  loaders: ProductLoaders & CreditLoaders & PaymentLoaders & ApplicationLoaders;
}

export type LendingContext = BaseContext & LendingExtra;
