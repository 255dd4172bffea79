// Lua run inside Redis, so that a check and the writes it guards happen as one step.

/**
 * Appends a result message to a queue job's results and to the reply list of every scheduler waiting
 * for that job, but only while the caller still holds the job's BullMQ lock: a worker whose job was
 * taken up by another (its lock expired) can no longer record results, so each task's result is
 * recorded once. KEYS: lock, results list, reply-to set. ARGV: lock token, message, ttl in ms.
 */
export const PUSH_RESULTS_LUA = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
local replies = redis.call('SMEMBERS', KEYS[3])
for i = 1, #replies do
  redis.call('RPUSH', replies[i], ARGV[2])
  redis.call('PEXPIRE', replies[i], ARGV[3])
end
return 1
`;

/**
 * Claims tasks for a queue job in one step: each KEYS[i] (a task's claim) is set to ARGV[1] unless it
 * exists; returns, per key, the claim that was there (false when the key was free and is now ours).
 * With ARGV[3] = '1' every claim is overwritten (a new attempt). ARGV: claim value, ttl in ms, overwrite.
 */
export const CLAIM_LUA = `
local previous = {}
for i = 1, #KEYS do
  if ARGV[3] == '1' then
    redis.call('SET', KEYS[i], ARGV[1], 'PX', ARGV[2])
    previous[i] = false
  else
    previous[i] = redis.call('SET', KEYS[i], ARGV[1], 'PX', ARGV[2], 'NX', 'GET')
  end
end
return previous
`;
