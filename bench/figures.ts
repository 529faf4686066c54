// Benchmark figures: one flat record of numbers with stable snake_case keys that carry their unit, and their goals.

/** Keys name their unit as a word: `ms`, `bytes`, `ratio`, `count` (`prompt_cold_ms_chromium`, `bytes_before_prompt`). */
export type Figures = Record<string, number>;

export interface Goal {
  /** at most this value */
  max: number;
  label: string;
}

/** Goals are printed next to the figures, not asserted. One line per goal. */
export const GOALS: Record<string, Goal> = {
  prompt_warm_ms_chromium: { max: 1000, label: '<= 1 s' },
  prompt_cold_ms_chromium: { max: 2000, label: '<= 2 s' },
  embed_click_to_prompt_warm_ms_chromium: { max: 1500, label: '<= 1.5 s' },
  embed_bytes_before_prompt: { max: 6 * 1024 * 1024, label: '<= 6 MB' },
  snapshot_bytes: { max: 8 * 1024 * 1024, label: '<= 8 MB' },
  docker_run_rm_true_ms_guest: { max: 300, label: '<= 0.3 s' },
  network_endpoint_overhead_ms_node: { max: 50, label: '<= 50 ms' },
  docker_run_rm_true_bridge_overhead_ms_guest: { max: 50, label: '<= 50 ms' },
  dns_lookup_ms_guest: { max: 20, label: '<= 20 ms' },
  new_container_disk_bytes: { max: 1024 * 1024, label: '< 1 MB' },
  build_uncached_ms_guest: { max: 3000, label: '<= 3 s' },
  build_cached_ms_guest: { max: 300, label: '<= 0.3 s' },
  lesson_reset_ms_chromium: { max: 500, label: '< 0.5 s' },
  lesson_reset_ms_node: { max: 500, label: '< 0.5 s' },
  preview_first_byte_ms_chromium: { max: 150, label: '<= 150 ms' },
  preview_page_10_assets_ms_chromium: { max: 1000, label: '<= 1 s' },
  preview_download_2mb_ms_chromium: { max: 2000, label: '<= 2 s (>= 1 MB/s)' },
  docker_cp_out_10mb_ms_guest: { max: 2000, label: '<= 2 s' },
  docker_cp_in_10mb_ms_guest: { max: 2000, label: '<= 2 s' },
  docker_commit_10mb_ms_guest: { max: 2000, label: '<= 2 s' },
  docker_compose_up_two_services_first_ms_chromium: { max: 3000, label: '<= 3 s' },
  docker_compose_up_two_services_runs_2_5_ms_chromium: { max: 3000, label: '<= 3 s' },
  docker_compose_down_two_services_first_ms_chromium: { max: 1500, label: '<= 1.5 s' },
  docker_compose_down_two_services_runs_2_5_ms_chromium: { max: 1500, label: '<= 1.5 s' },
  docker_compose_config_200_lines_first_ms_chromium: { max: 200, label: '<= 0.2 s' },
  docker_compose_config_200_lines_runs_2_5_ms_chromium: { max: 200, label: '<= 0.2 s' },
};

export function formatFigure(key: string, value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const unit = (word: string): boolean => key.split('_').includes(word);
  if (unit('ms')) return value < 10 ? `${value.toFixed(2)} ms` : `${Math.round(value)} ms`;
  if (unit('bytes')) {
    return value >= 1024 * 1024 ? `${(value / (1024 * 1024)).toFixed(2)} MB` : `${(value / 1024).toFixed(1)} KB`;
  }
  return Number.isInteger(value) ? String(value) : value.toFixed(3);
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
