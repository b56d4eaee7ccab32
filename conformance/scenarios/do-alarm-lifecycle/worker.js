// Durable Object alarm API and an alarm() invocation, beyond the shared
// do-alarm-cross-request scenario. test() drives one object ('clock') with two requests:
//   /schedule  getAlarm() with none set; setAlarm(Date) inside enterSpan('plan'); getAlarm();
//              deleteAlarm(); getAlarm(); setAlarm(number, 20 ms ahead) outside any span
//   (test() waits 150 ms, while the alarm fires: alarm() opens a span, logs its alarmInfo and
//    getAlarm(), writes storage, and logs)
//   /after     reads what alarm() wrote, and getAlarm() once more
// Expect (workerd 2026-11-17): one `durable_object_storage_<op>` span per call (getAlarm,
// setAlarm, deleteAlarm), parented to the user span current at the call; setAlarm's span, and
// getAlarm's while an alarm is set, carry `cloudflare.durable_object.alarm.scheduled_time`
// (volatile); getAlarm gives the time set, then null after deleteAlarm. The object's very first
// alarm call, getAlarm(), resolves at once but its span closes a turn later (here: at the end
// of the request, as nothing else waits for a turn). The alarm runs as its own invocation:
// onset info {type alarm, scheduledTime}, entrypoint the class, executionModel
// durableObject, its own trace with no parent; alarm() gets {scheduledTime (the time set, in
// ms), retryCount 0, isRetry false} and getAlarm() is null inside it; no `return` event, outcome
// "ok".
import { DurableObject, tracing } from 'cloudflare:workers';

const AHEAD = 3600 * 1000;

export class Clock extends DurableObject {
  async fetch(request) {
    const storage = this.ctx.storage;
    const path = new URL(request.url).pathname;
    if (path === '/schedule') {
      console.log('initial alarm', await storage.getAlarm());
      const far = new Date(Date.now() + AHEAD);
      await tracing.enterSpan('plan', async (span) => {
        await storage.setAlarm(far);
        span.setAttribute('planned', true);
      });
      console.log('alarm matches the Date set', (await storage.getAlarm()) === far.getTime());
      await storage.deleteAlarm();
      console.log('after deleteAlarm', await storage.getAlarm());
      const at = Date.now() + 20;
      await storage.put('set-for', at);
      await storage.setAlarm(at);
      return new Response('scheduled');
    }
    if (path === '/after') {
      console.log('alarm wrote', await storage.get('fired'), 'alarm now', await storage.getAlarm());
      return new Response('after');
    }
    return new Response('unknown', { status: 404 });
  }

  async alarm(alarmInfo) {
    await tracing.enterSpan('in-alarm', async (span) => {
      span.setAttribute('retryCount', alarmInfo.retryCount);
      const setFor = await this.ctx.storage.get('set-for');
      console.log('alarm info', Object.keys(alarmInfo).sort(), alarmInfo.retryCount, alarmInfo.isRetry);
      console.log('scheduledTime is the time set', alarmInfo.scheduledTime === setFor);
      console.log('getAlarm in alarm', await this.ctx.storage.getAlarm());
      await this.ctx.storage.put('fired', 'yes');
    });
    console.log('alarm done');
  }
}

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export default {
  async test(ctrl, env) {
    const stub = env.clocks.get(env.clocks.idFromName('clock'));
    console.log('schedule:', await (await stub.fetch('http://clock/schedule')).text());
    await wait(150);
    console.log('after:', await (await stub.fetch('http://clock/after')).text());
  },
};
