// Types of tools/build/hw.mjs (for the tests that check the generated modules).

export interface HwModule {
  wat: string;
  ts: string;
  name: string;
}
export const HW_MODULES: HwModule[];
export function hwModuleText(m: HwModule): Promise<string>;
export function buildHw(): Promise<void>;
