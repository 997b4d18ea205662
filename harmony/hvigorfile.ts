// hvigor build script of the project (standard DevEco Studio template, no custom tasks).
import { appTasks } from '@ohos/hvigor-ohos-plugin';

export default {
  system: appTasks,
  plugins: []
}
